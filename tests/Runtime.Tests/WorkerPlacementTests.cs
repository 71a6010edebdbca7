using Hoist.Settings;

namespace Hoist.Runtime.Tests;

public sealed class WorkerPlacementTests
{
    [Fact]
    public void ParseNodeSelector_ReadsKeyValuePairs_WithPrefixedKeys()
    {
        var terms = WorkerPlacement.ParseNodeSelector(" disktype=ssd , cloud.google.com/gke-nodepool=gpu-pool,empty=");

        Assert.NotNull(terms);
        Assert.Equal([("disktype", "ssd"), ("cloud.google.com/gke-nodepool", "gpu-pool"), ("empty", "")], terms.Select(t => (t.Key, t.Value)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("disktype")]
    [InlineData("a=b,")]
    [InlineData("a=b,a=c")]
    [InlineData("Bad_Prefix/x=y")]
    [InlineData("a=-b")]
    public void ParseNodeSelector_RefusesWhatIsNoLabelSelector(string text) =>
        Assert.Null(WorkerPlacement.ParseNodeSelector(text));

    [Fact]
    public void ParseTolerations_ReadsEqualAndExists_WithAndWithoutEffect()
    {
        var terms = WorkerPlacement.ParseTolerations("dedicated=ml:NoSchedule,spot:NoExecute,reserved,zone=a");

        Assert.NotNull(terms);
        Assert.Equal(
            [("dedicated", "ml", "NoSchedule", "Equal"), ("spot", null, "NoExecute", "Exists"), ("reserved", null, null, "Exists"), ("zone", "a", null, "Equal")],
            terms.Select(t => (t.Key, t.Value, t.Effect, t.Operator)));
    }

    [Theory]
    [InlineData("dedicated=ml:Never")]
    [InlineData(":NoSchedule")]
    [InlineData("a b")]
    [InlineData("a,,b")]
    public void ParseTolerations_RefusesMalformedTerms(string text) =>
        Assert.Null(WorkerPlacement.ParseTolerations(text));
}

namespace Hoist.Manifests.Tests;

public sealed class SnapshotTests
{
    [Theory]
    [MemberData(nameof(Samples.KindNames), MemberType = typeof(Samples))]
    public void RenderedYaml_MatchesSnapshot(string kind)
    {
        var yaml = ManifestYaml.Serialize(ManifestRenderer.Render(Samples.Kinds[kind], Samples.Options));

        SnapshotAssert.Matches(kind, yaml);
    }

    [Fact]
    public void Diff_ShowsChangedLinesWithContext()
    {
        var diff = SnapshotAssert.LineDiff("a\nb\nc\nd\n", "a\nb\nX\nd\n");

        Assert.Contains("- c", diff);
        Assert.Contains("+ X", diff);
        Assert.Contains("  b", diff);
    }
}

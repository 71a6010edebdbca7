using Hoist.Protocol;

namespace Hoist.CodeSync;

/// <summary>One method whose wire contract a sync changes: the new contract, and what differs from the one running.</summary>
internal sealed record WireContractChange(string Service, WireContract Running, WireContract Build, string Difference)
{
    /// <summary>The warning <c>hoist sync</c> and <c>hoist dev</c> print before they sync.</summary>
    public string Warning =>
        $"{Service}: warning: this build changes the wire contract of {Build.Signature} ({Running.Hex} -> {Build.Hex}: {Difference}); " +
        "callers still running the previous build will get WireContractMismatchException for it until they restart.";
}

/// <summary>
/// Compares the wire contracts a worker's code has (from <c>GetCode</c>) with a build's, before a sync replaces one with
/// the other: a method whose fingerprint changes will refuse every caller of the previous build, so the developer hears
/// it first. A method the build adds or drops is not a contract change (a call to a dropped one is Unimplemented).
/// </summary>
internal static class WireContractChanges
{
    public static IReadOnlyList<WireContractChange> Between(string service, IEnumerable<MethodContract> running, IReadOnlyList<WireContract> build)
    {
        var changes = new List<WireContractChange>();
        foreach (var method in running)
        {
            if (WireContract.Find(build, method.Method) is { } next && next.Fingerprint != method.Fingerprint)
            {
                var current = method.ToWireContract();
                changes.Add(new WireContractChange(service, current, next, WireContract.Difference(current.Shape, next.Shape, "running code", "build") ?? "the fingerprints differ"));
            }
        }

        return changes;
    }
}

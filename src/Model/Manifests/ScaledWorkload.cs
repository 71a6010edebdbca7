using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// A workload the in-cluster controller scales, read from what the cluster holds by its kind
/// (<see cref="Manifests.WorkloadKind.Scaled(System.Text.Json.JsonElement)"/>): a distributed group's StatefulSet
/// with <c>autoscaling.hoist.dev/*</c> annotations or an InactivityTtl, or a plain service's Deployment with an
/// InactivityTtl. <see cref="Descriptor"/> carries only the settings scaling reads (name, TTL, autoscaling, group
/// size), rebuilt from the workload, since the controller runs no user code and has no assembly to read.
/// </summary>
internal sealed record ScaledWorkload(
    ResourceKind Kind,
    string Namespace,
    string Name,
    string Instance,
    int GroupSize,
    int SpecReplicas,
    int ReadyReplicas,
    ServiceDescriptor Descriptor,
    V1ObjectMeta Metadata)
{
    /// <summary>The workload's pods, by its own selector: where the controller reads their load and, when they do not start, why.</summary>
    public required string PodSelector { get; init; }

    /// <summary>
    /// True for a StatefulSet whose ordinal blocks of <see cref="GroupSize"/> pods are groups, each with its own
    /// rendezvous: the controller scales it in whole groups up to MaxScale. False holds a group at one.
    /// </summary>
    public bool GroupsScaleOut { get; init; }

    /// <summary>
    /// The groups whose every rank is ready: the whole blocks of the pods the controller saw ready
    /// (<see cref="ReadyBlocks"/>), or, when it did not read them, the whole blocks the ready count could fill. For a
    /// set held at one group, one when every rank is ready.
    /// </summary>
    public int ReadyGroups => GroupsScaleOut ? ReadyBlocks ?? ReadyReplicas / Math.Max(1, GroupSize) : ReadyReplicas >= GroupSize ? 1 : 0;

    /// <summary>The groups whose every pod the controller saw ready (<see cref="WholeGroups"/>), when it read the pods; else null.</summary>
    public int? ReadyBlocks { get; init; }

    /// <summary>
    /// The ordinal blocks of <paramref name="groupSize"/> pods of StatefulSet <paramref name="setName"/> whose every pod
    /// is in <paramref name="readyPods"/>: the groups that can serve a call. Pure.
    /// </summary>
    public static int WholeGroups(IEnumerable<string> readyPods, string setName, int groupSize) => WholeGroupIndexes(readyPods, setName, groupSize).Count;

    /// <summary>The indexes of <see cref="WholeGroups"/>' blocks, lowest first: group g holds ordinals g×size to g×size+size−1.</summary>
    public static IReadOnlyList<int> WholeGroupIndexes(IEnumerable<string> readyPods, string setName, int groupSize)
    {
        ArgumentNullException.ThrowIfNull(readyPods);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupSize);
        var prefix = setName + "-";
        var readyByGroup = new Dictionary<int, int>();
        foreach (var pod in readyPods)
        {
            if (pod.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(pod.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ordinal))
            {
                readyByGroup[ordinal / groupSize] = readyByGroup.GetValueOrDefault(ordinal / groupSize) + 1;
            }
        }

        return readyByGroup.Where(group => group.Value == groupSize).Select(group => group.Key).Order().ToArray();
    }

    /// <summary>The rank count of a group: the pods' own WORLD_SIZE, which stays when the set is at zero.</summary>
    public const string WorldSizeVariable = "WORLD_SIZE";

    /// <summary>
    /// The latest call anyone recorded: the activity Lease's renewal, an older client's stamp, or the workload's
    /// creation for a service no client has called (applied by <c>hoist deploy</c> and left alone).
    /// </summary>
    public DateTimeOffset LastActivity(DateTimeOffset? leaseRenewed) =>
        InactivityPolicy.LastActivity(leaseRenewed, Metadata.Annotations, Metadata.CreationTimestamp, local: null);

    /// <summary>The key a controller keeps this workload's decisions under.</summary>
    public string Key => $"{Kind.Plural}/{Name}";

    /// <summary>The workload's InactivityTtl, when it has a valid one.</summary>
    internal static string? Ttl(V1ObjectMeta? metadata) =>
        metadata?.Annotations is { } annotations
        && annotations.TryGetValue(ManifestAnnotations.InactivityTtl, out var ttl)
        && InactivityPolicy.Ttl(ttl) is not null
            ? ttl
            : null;

    /// <summary>
    /// A workload's LaunchTimeout in seconds, from its <c>hoist.dev/launch-timeout</c>: rendered by every Hoist since the
    /// controller's activator holds calls; the default for a workload from before.
    /// </summary>
    public static int LaunchTimeoutSeconds(V1ObjectMeta? metadata) =>
        metadata?.Annotations is { } annotations
        && annotations.TryGetValue(ManifestAnnotations.LaunchTimeout, out var text)
        && GoDuration.PositiveOrNull(text) is { } timeout
            ? (int)Math.Ceiling(timeout.TotalSeconds)
            : ComputeSpec.DefaultLaunchTimeoutSeconds;

    // A workload being deleted, or one whose labels Hoist did not write, is left alone.
    internal static (string Service, string Instance)? Identity(V1ObjectMeta? metadata) =>
        metadata is { DeletionTimestamp: null, Labels: { } labels }
        && labels.TryGetValue(ManifestLabels.Name, out var service)
        && labels.TryGetValue(ManifestLabels.Instance, out var instance)
            ? (service, instance)
            : null;

    /// <summary>The settings scaling reads, rebuilt from the workload.</summary>
    internal static ServiceDescriptor Describe(string service, V1ObjectMeta metadata, string? ttl, AutoscaleSpec? autoscale, DistributionSpec? distribution) => new()
    {
        Name = service,
        Kind = ServiceKind.Method,
        DeclaringType = string.Empty,
        AssemblyName = string.Empty,
        Methods = [],
        Compute = new ComputeSpec { InactivityTtl = ttl, LaunchTimeout = LaunchTimeoutSeconds(metadata) },
        Autoscale = autoscale,
        Distribution = distribution,
    };
}

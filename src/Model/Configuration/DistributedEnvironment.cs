using System.Globalization;
using System.Text.Json;

namespace Hoist.Configuration;

/// <summary>
/// The variables a rank of a distributed group sees, as torchrun, JAX and TensorFlow expect them
/// (docs/attributes.md, "The worker environment"). Pure: every backend computes them the same way from the same inputs.
/// </summary>
public static class DistributedEnvironment
{
    public static readonly IReadOnlyList<string> Types = ["pytorch", "jax", "tensorflow", "ray", "spmd"];

    /// <summary>
    /// The variables in the order a pod spec needs them: RANK first, since a cluster passes it as
    /// <c>$(RANK)</c> to the variables after it, which the kubelet expands only for names defined earlier.
    /// </summary>
    /// <param name="type">The [Distribute] type.</param>
    /// <param name="worldSize">Workers in the group.</param>
    /// <param name="rank">This worker's rank as text: a number locally, <c>$(RANK)</c> in a pod spec. Rank 0 is the master for the group's whole life.</param>
    /// <param name="masterAddress">Rank 0's address.</param>
    /// <param name="masterPort">Rank 0's rendezvous port.</param>
    /// <param name="peers">Every rank's "host:port" for frameworks that want the whole list (TensorFlow).</param>
    /// <param name="localRank">The rank among the workers on this node.</param>
    /// <param name="localWorldSize">Workers on this node.</param>
    /// <param name="nodeRank">This node's rank, as text like <paramref name="rank"/>.</param>
    public static IReadOnlyList<KeyValuePair<string, string>> For(
        string type,
        int worldSize,
        string rank,
        string masterAddress,
        int masterPort,
        IReadOnlyList<string> peers,
        int localRank,
        int localWorldSize,
        string nodeRank)
    {
        if (type is not ("pytorch" or "jax" or "tensorflow" or "spmd"))
        {
            throw new ArgumentException($"Unknown distribution type '{type}'. Allowed: {string.Join(", ", Types)}; ray runs under KubeRay instead.", nameof(type));
        }

        // MASTER_ADDR and MASTER_PORT for every type: any framework can rendezvous at rank 0.
        List<KeyValuePair<string, string>> variables =
        [
            new("RANK", rank),
            new("WORLD_SIZE", Text(worldSize)),
            new("LOCAL_RANK", Text(localRank)),
            new("LOCAL_WORLD_SIZE", Text(localWorldSize)),
            new("NODE_RANK", nodeRank),
            new("MASTER_ADDR", masterAddress),
            new("MASTER_PORT", Text(masterPort)),
        ];
        switch (type)
        {
            case "jax":
                variables.Add(new("JAX_COORDINATOR_ADDRESS", $"{masterAddress}:{Text(masterPort)}"));
                variables.Add(new("JAX_NUM_PROCESSES", Text(worldSize)));
                variables.Add(new("JAX_PROCESS_ID", rank));
                break;
            case "tensorflow":
                variables.Add(new("TF_CONFIG", TfConfig(peers, rank)));
                break;
        }

        return variables;
    }

    /// <summary>
    /// The placeholder for a pod ordinal in <see cref="ForOrdinal"/>'s address pattern. Not <c>$(...)</c>, which a
    /// kubelet would expand: the pattern reaches the worker as written, and the worker fills it in per rank.
    /// </summary>
    public const string OrdinalPlaceholder = "{ordinal}";

    /// <summary>
    /// The variables of the pod at <paramref name="ordinal"/> in a StatefulSet whose ordinal blocks of
    /// <paramref name="groupSize"/> make the groups (docs/kubernetes.md, "Groups that scale out"): group
    /// <c>ordinal / groupSize</c>, rank <c>ordinal % groupSize</c>, and the group's rendezvous at its first ordinal.
    /// A kubelet cannot divide, so the worker computes these at start-up from what the pod spec gives it.
    /// </summary>
    /// <param name="type">The [Distribute] type.</param>
    /// <param name="groupSize">Workers in each group: every group's WORLD_SIZE.</param>
    /// <param name="ordinal">The pod's index in the StatefulSet.</param>
    /// <param name="addressPattern">A pod's DNS name with <see cref="OrdinalPlaceholder"/> for its ordinal.</param>
    /// <param name="masterPort">The rendezvous port, the same on every pod.</param>
    public static (int Group, IReadOnlyList<KeyValuePair<string, string>> Variables) ForOrdinal(string type, int groupSize, int ordinal, string addressPattern, int masterPort)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupSize);
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        if (!addressPattern.Contains(OrdinalPlaceholder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The address pattern '{addressPattern}' has no {OrdinalPlaceholder} for the pod ordinal.", nameof(addressPattern));
        }

        var group = ordinal / groupSize;
        var first = group * groupSize;
        var rank = Text(ordinal % groupSize);
        string Address(int o) => addressPattern.Replace(OrdinalPlaceholder, Text(o), StringComparison.Ordinal);
        var peers = Enumerable.Range(first, groupSize).Select(o => $"{Address(o)}:{Text(masterPort)}").ToArray();
        return (group, For(type, groupSize, rank, Address(first), masterPort, peers, localRank: 0, localWorldSize: 1, nodeRank: rank));
    }

    /// <summary>
    /// TensorFlow's MultiWorkerMirroredStrategy cluster spec: every worker, and which one this is. The index
    /// is written as given, so <c>$(RANK)</c> becomes a JSON number once a kubelet expands it.
    /// </summary>
    public static string TfConfig(IReadOnlyList<string> peers, string index) =>
        $"{{\"cluster\":{{\"worker\":{JsonSerializer.Serialize(peers.ToArray(), TfJsonContext.Default.StringArray)}}},\"task\":{{\"type\":\"worker\",\"index\":{index}}}}}";

    /// <summary>
    /// CUDA_VISIBLE_DEVICES for a rank: its own <paramref name="gpusPerRank"/> devices out of
    /// <paramref name="gpusOnMachine"/>, or null (leave unset) on a machine without GPUs.
    /// </summary>
    public static string? CudaVisibleDevices(int gpusOnMachine, int gpusPerRank, int localRank)
    {
        if (gpusOnMachine <= 0 || gpusPerRank <= 0)
        {
            return null;
        }

        return string.Join(",", Enumerable.Range(localRank * gpusPerRank, gpusPerRank).Select(d => Text(d % gpusOnMachine)));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Source-generated JSON for TF_CONFIG's worker list, so no reflection is needed.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class TfJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

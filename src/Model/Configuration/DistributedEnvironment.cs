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

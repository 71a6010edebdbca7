using System.Globalization;
using System.Text.Json;

namespace Hoist.Hosting;

/// <summary>
/// The variables a rank of a distributed group sees, as torchrun, JAX and TensorFlow expect them
/// (DESIGN.md, "Worker environment"). Pure: every backend computes them the same way from the same inputs.
/// </summary>
public static class DistributedEnvironment
{
    public static readonly IReadOnlyList<string> Types = ["pytorch", "jax", "tensorflow", "ray", "spmd"];

    /// <param name="type">The [Distribute] type.</param>
    /// <param name="worldSize">Workers in the group.</param>
    /// <param name="rank">This worker's rank; rank 0 is the master for the group's whole life.</param>
    /// <param name="masterAddress">Rank 0's address.</param>
    /// <param name="masterPort">Rank 0's rendezvous port.</param>
    /// <param name="peers">Every rank's "host:port" for frameworks that want the whole list (TensorFlow).</param>
    /// <param name="localRank">The rank among the workers on this node.</param>
    /// <param name="localWorldSize">Workers on this node.</param>
    /// <param name="nodeRank">This node's rank.</param>
    public static IReadOnlyDictionary<string, string> For(
        string type,
        int worldSize,
        int rank,
        string masterAddress,
        int masterPort,
        IReadOnlyList<string> peers,
        int localRank,
        int localWorldSize,
        int nodeRank)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["WORLD_SIZE"] = Text(worldSize),
            ["RANK"] = Text(rank),
            ["LOCAL_RANK"] = Text(localRank),
            ["LOCAL_WORLD_SIZE"] = Text(localWorldSize),
            ["NODE_RANK"] = Text(nodeRank),
        };
        switch (type)
        {
            case "pytorch":
                variables["MASTER_ADDR"] = masterAddress;
                variables["MASTER_PORT"] = Text(masterPort);
                break;
            case "jax":
                variables["JAX_COORDINATOR_ADDRESS"] = $"{masterAddress}:{Text(masterPort)}";
                variables["JAX_NUM_PROCESSES"] = Text(worldSize);
                variables["JAX_PROCESS_ID"] = Text(rank);
                break;
            case "tensorflow":
                variables["TF_CONFIG"] = TfConfig(peers, rank);
                break;
            case "spmd":
                // Generic SPMD: the rank variables plus a master address any framework can rendezvous at.
                variables["MASTER_ADDR"] = masterAddress;
                variables["MASTER_PORT"] = Text(masterPort);
                break;
            default:
                throw new ArgumentException($"Unknown distribution type '{type}'. Allowed: {string.Join(", ", Types)}.", nameof(type));
        }

        return variables;
    }

    /// <summary>TensorFlow's MultiWorkerMirroredStrategy cluster spec: every worker, and which one this is.</summary>
    public static string TfConfig(IReadOnlyList<string> peers, int index) =>
        JsonSerializer.Serialize(new TfConfigJson(new TfCluster(peers), new TfTask("worker", index)), TfJsonContext.Default.TfConfigJson);

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

internal sealed record TfConfigJson(
    [property: System.Text.Json.Serialization.JsonPropertyName("cluster")] TfCluster Cluster,
    [property: System.Text.Json.Serialization.JsonPropertyName("task")] TfTask Task);

internal sealed record TfCluster([property: System.Text.Json.Serialization.JsonPropertyName("worker")] IReadOnlyList<string> Worker);

internal sealed record TfTask(
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("index")] int Index);

[System.Text.Json.Serialization.JsonSerializable(typeof(TfConfigJson))]
internal sealed partial class TfJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

using System.Diagnostics;

namespace Hoist.TestApp;

/// <summary>What a rank sees of the distributed environment.</summary>
public sealed record RankEnvironment(int ProcessId, IReadOnlyDictionary<string, string?> Variables);

/// <summary>What one rank of a real torch.distributed all_reduce reports.</summary>
public sealed record AllReduceResult(int Rank, int WorldSize, double Sum, int ProcessId);

internal static class RankVariables
{
    private static readonly string[] Names =
    [
        "WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "NODE_RANK", "MASTER_ADDR", "MASTER_PORT",
        "JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID", "TF_CONFIG", "CUDA_VISIBLE_DEVICES",
        "HOIST_SERVICE", "HOIST_REPLICA",
    ];

    public static RankEnvironment Read() =>
        new(Environment.ProcessId, Names.ToDictionary(n => n, Environment.GetEnvironmentVariable));
}

/// <summary>
/// Four pytorch ranks. <see cref="AllReduce"/> runs Debian's python3-torch in each rank with nothing but
/// the environment Hoist set: init_process_group("gloo", init_method="env://") and an all_reduce.
/// </summary>
[Compute(Name = "torch-group", LaunchTimeout = 60)]
[Distribute("pytorch", Workers = 4)]
public partial class TorchGroup
{
    private const string Script = """
        import torch
        import torch.distributed as dist
        dist.init_process_group("gloo", init_method="env://")
        rank = dist.get_rank()
        value = torch.tensor([float(rank + 1)])
        dist.all_reduce(value)
        print(f"{rank} {dist.get_world_size()} {value.item()}", flush=True)
        dist.destroy_process_group()
        """;

    public RankEnvironment Environment() => RankVariables.Read();

    public async Task<AllReduceResult> AllReduceAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        using var python = Process.Start(start)!;
        using var kill = cancellationToken.Register(() => python.Kill(entireProcessTree: true));
        var output = python.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = python.StandardError.ReadToEndAsync(cancellationToken);
        await python.WaitForExitAsync(cancellationToken);
        if (python.ExitCode != 0)
        {
            throw new InvalidOperationException($"python3 exited with {python.ExitCode}: {await errors}");
        }

        var fields = (await output).Trim().Split(' ');
        return new AllReduceResult(
            int.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture),
            System.Environment.ProcessId);
    }
}

[Compute(Name = "jax-group", LaunchTimeout = 60)]
[Distribute("jax", Workers = 2)]
public partial class JaxGroup
{
    public RankEnvironment Environment() => RankVariables.Read();
}

[Compute(Name = "tf-group", LaunchTimeout = 60)]
[Distribute("tensorflow", Workers = 3)]
public partial class TensorflowGroup
{
    public RankEnvironment Environment() => RankVariables.Read();
}

/// <summary>A generic SPMD group for fan-out, failure and restart tests.</summary>
[Compute(Name = "spmd-group", LaunchTimeout = 60)]
[Distribute("spmd", Workers = 3)]
public partial class SpmdGroup
{
    private static int Rank => int.Parse(System.Environment.GetEnvironmentVariable("RANK")!, System.Globalization.CultureInfo.InvariantCulture);

    public RankEnvironment Environment() => RankVariables.Read();

    /// <summary>Rank 0 answers last, so rank order is the proxy's doing, not arrival order.</summary>
    public async Task<int> RankAfterDelayAsync(CancellationToken cancellationToken)
    {
        await Task.Delay((3 - Rank) * 150, cancellationToken);
        return Rank;
    }

    /// <summary>Throws on <paramref name="failingRank"/>; the others wait until cancelled and leave a marker.</summary>
    public async Task FailOnAsync(int failingRank, string markerDirectory, CancellationToken cancellationToken)
    {
        if (Rank == failingRank)
        {
            await Task.Delay(100, CancellationToken.None);
            throw new InvalidOperationException($"rank {Rank} ran out of memory");
        }

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await File.WriteAllTextAsync(Path.Combine(markerDirectory, $"cancelled-{Rank}"), "", CancellationToken.None);
            throw;
        }
    }

    public async Task HangAsync(CancellationToken cancellationToken) => await Task.Delay(Timeout.Infinite, cancellationToken);

    /// <summary>The caller's tag with this rank: which call each answer belongs to.</summary>
    public async Task<string> TagAsync(string tag, int delayMilliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(delayMilliseconds, cancellationToken);
        return $"{tag}@{Rank}";
    }
}

/// <summary>A group that scales to zero as a whole after a quiet 6 s window plus 1 s, and comes back whole.</summary>
[Compute(Name = "elastic-group", LaunchTimeout = 60)]
[Distribute("pytorch", Workers = 2)]
[Autoscale(Window = "6s", ScaleToZeroGracePeriod = 1)]
public partial class ElasticGroup
{
    public int ProcessId() => System.Environment.ProcessId;
}

[Compute(Name = "ray-group", Image = "rayproject/ray:2.9.0")]
[Distribute("ray", Workers = 2)]
public partial class RayGroup
{
    public int Ping() => 1;
}

/// <summary>
/// A 2-rank group that scales out in whole groups (issue 26): one call in flight per group, up to 3 groups, two
/// groups from a wake (InitialScale), and to zero after a quiet 6 s window plus 1 s. Each answer says which group
/// (its rendezvous port) and rank ran it.
/// </summary>
[Compute(Name = "group-pool", LaunchTimeout = 60)]
[Distribute("spmd", Workers = 2)]
[Autoscale(Target = 1, TargetUtilization = 100, MaxScale = 3, InitialScale = 2, Window = "6s", ScaleToZeroGracePeriod = 1)]
public partial class GroupPool
{
    /// <summary>"port/rank/pid" after <paramref name="milliseconds"/>: the group's MASTER_PORT tells the groups apart.</summary>
    public async Task<string> WhereAsync(int milliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(milliseconds, cancellationToken);
        return $"{System.Environment.GetEnvironmentVariable("MASTER_PORT")}/{System.Environment.GetEnvironmentVariable("RANK")}/{System.Environment.ProcessId}";
    }

    /// <summary>Rank <paramref name="rank"/>'s process dies mid-call; the other rank waits for the call's end.</summary>
    public async Task DieOnRankAsync(int rank, CancellationToken cancellationToken)
    {
        if (System.Environment.GetEnvironmentVariable("RANK") == rank.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            await Task.Delay(200, CancellationToken.None);
            System.Environment.Exit(3);
        }

        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

using System.Diagnostics;
using System.Globalization;
using Hoist;

namespace Distributed;

/// <summary>One rank's view of the all-reduce.</summary>
public sealed record RankReport(int Rank, int WorldSize, double Sum, string MasterAddress, int ProcessId);

/// <summary>
/// Four pytorch ranks, wired the way torchrun wires them. Each rank runs Debian's python3-torch with
/// nothing but the environment Hoist set: init_process_group("gloo", init_method="env://"), then an
/// all_reduce of (rank + 1) across the group.
/// </summary>
[Compute(Cpus = 1, Memory = "2Gi", LaunchTimeout = 60)]
[Distribute("pytorch", Workers = 4)]
public static partial class Trainer
{
    private const string Script = """
        import torch
        import torch.distributed as dist
        dist.init_process_group("gloo", init_method="env://")
        value = torch.tensor([float(dist.get_rank() + 1)])
        dist.all_reduce(value)
        print(dist.get_rank(), dist.get_world_size(), value.item(), flush=True)
        dist.destroy_process_group()
        """;

    public static async Task<RankReport> AllReduceAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        using var python = Process.Start(start)!;
        using var stop = cancellationToken.Register(() => python.Kill(entireProcessTree: true));
        var output = python.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = python.StandardError.ReadToEndAsync(cancellationToken);
        await python.WaitForExitAsync(cancellationToken);
        if (python.ExitCode != 0)
        {
            throw new InvalidOperationException($"torch.distributed failed on rank {Environment.GetEnvironmentVariable("RANK")}: {await errors}");
        }

        var fields = (await output).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new RankReport(
            int.Parse(fields[0], CultureInfo.InvariantCulture),
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            double.Parse(fields[2], CultureInfo.InvariantCulture),
            $"{Environment.GetEnvironmentVariable("MASTER_ADDR")}:{Environment.GetEnvironmentVariable("MASTER_PORT")}",
            Environment.ProcessId);
    }
}

using System.Diagnostics;
using Distributed;
using Hoist;

// In a worker process this line serves the worker's service and never returns.
await using var hoist = await HoistApplication.StartAsync(args);

using (var probe = Process.Start(new ProcessStartInfo("/usr/bin/python3", "-c \"import torch.distributed\"") { RedirectStandardError = true }))
{
    probe!.WaitForExit();
    if (probe.ExitCode != 0)
    {
        Console.Error.WriteLine("This sample needs Debian's python3-torch: apt-get install -y python3-torch");
        return 1;
    }
}

Console.WriteLine("Starting a 4-rank pytorch group on this machine...");
var started = Stopwatch.StartNew();
var reports = await Trainer.Remote.AllReduceAsync();
Console.WriteLine($"all_reduce done in {started.ElapsedMilliseconds} ms (including the group's cold start):");
foreach (var report in reports)
{
    Console.WriteLine($"  rank {report.Rank} of {report.WorldSize}: sum = {report.Sum} (1+2+3+4), master {report.MasterAddress}, process {report.ProcessId}");
}

return reports.All(r => r.Sum == 10) ? 0 : 1;

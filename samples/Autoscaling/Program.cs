using System.Diagnostics;
using Autoscaling;
using Hoist;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// In a worker process this line serves the worker's service and never returns.
await using var hoist = await HoistApplication.StartAsync(args, builder =>
{
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.AddHoist(o => o.ForwardWorkerLogs = false);
});

// The load curve: how many callers keep a 200 ms call in flight, second by second.
(int Seconds, int Callers)[] curve = [(3, 2), (10, 28), (10, 6), (14, 0), (3, 2)];
Console.WriteLine("Thumbnailer: target 4 in flight per replica, 6 s window, scale to zero after 6 s quiet + 3 s grace.");
Console.WriteLine("Each row is one second: callers (load), replicas ready, and the autoscaler's last decision.");
Console.WriteLine();

var clock = Stopwatch.StartNew();
var callers = 0;
long served = 0, failed = 0;
using var stop = new CancellationTokenSource();

// Keep `callers` loops busy; the number changes with the curve.
var loops = new List<Task>();
async Task CallerLoop(int index)
{
    while (!stop.IsCancellationRequested)
    {
        if (index >= Volatile.Read(ref callers))
        {
            await Task.Delay(50);
            continue;
        }

        try
        {
            await Thumbnailer.Remote.RenderAsync(200);
            Interlocked.Increment(ref served);
        }
        catch (HoistException)
        {
            Interlocked.Increment(ref failed);
        }
    }
}

for (var i = 0; i < curve.Max(c => c.Callers); i++)
{
    loops.Add(CallerLoop(i));
}

var second = 0;
foreach (var (seconds, load) in curve)
{
    Volatile.Write(ref callers, load);
    for (var s = 0; s < seconds; s++, second++)
    {
        await Task.Delay(TimeSpan.FromSeconds(second + 1) - clock.Elapsed is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        var status = hoist.Client.GetStatus("thumbnailer");
        var ready = status?.ReadyReplicas ?? 0;
        var last = status?.RecentDecisions.LastOrDefault();
        var bar = new string('█', ready).PadRight(9);
        var loadBar = new string('·', load / 2).PadRight(15);
        var decision = last is null ? "" : $"stable {last.StableAverage,5:0.0} panic {last.PanicAverage,5:0.0} → {last.DesiredReplicas}{(last.Panicking ? " PANIC" : "")}";
        Console.WriteLine($"{second,3}s  load {load,2} {loadBar} replicas {ready} {bar} {decision}");
    }
}

await stop.CancelAsync();
await Task.WhenAll(loops);
Console.WriteLine();
Console.WriteLine($"{served} calls served, {failed} failed.");

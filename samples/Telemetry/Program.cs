using Hoist;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Telemetry;

// Where the Aspire dashboard listens for OTLP unless the environment says otherwise. Set here, before anything
// starts, because the workers inherit this process's environment and export wherever it points.
Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") ?? "http://localhost:4317");

// Metrics every second rather than the SDK's default minute, so the replicas chart moves with the load.
Environment.SetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL", Environment.GetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL") ?? "1000");

// In a worker process this line serves the worker's service (and exports its spans, metrics and logs) and never returns.
await using var hoist = await HoistApplication.StartAsync(args, builder =>
{
    // The caller's own OpenTelemetry set-up, as any app has it; AddHoistInstrumentation adds Hoist's source and meter.
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(resource => resource.AddService("telemetry-sample"))
        .WithTracing(tracing => tracing.AddHoistInstrumentation().AddOtlpExporter())
        .WithMetrics(metrics => metrics.AddHoistInstrumentation().AddOtlpExporter())
        .WithLogging(logging => logging.AddOtlpExporter());

    // The console shows only the sample's table; the dashboard gets every record.
    builder.Logging.AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
    builder.AddHoist(o => o.ForwardWorkerLogs = false);
});

Console.WriteLine($"Exporting to {Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")}. Open the dashboard's Traces page for the calls,");
Console.WriteLine("and Metrics > Hoist > hoist.replicas.ready for the replicas as the autoscaler follows the load.");
Console.WriteLine();

// The load: how many callers keep a 300 ms call in flight, for how many seconds. Up, then quiet (to zero), then one call.
(int Seconds, int Callers)[] curve = [(4, 1), (12, 10), (16, 0), (3, 1)];
var callers = 0;
long served = 0;
using var stop = new CancellationTokenSource();
async Task CallerLoop(int index)
{
    for (var call = 0; !stop.IsCancellationRequested; call++)
    {
        if (index >= Volatile.Read(ref callers))
        {
            await Task.Delay(50);
            continue;
        }

        await Resizer.Remote.ResizeAsync($"photo-{index}-{call}.jpg", 300);
        Interlocked.Increment(ref served);
    }
}

var loops = Enumerable.Range(0, curve.Max(c => c.Callers)).Select(CallerLoop).ToArray();
var second = 0;
foreach (var (seconds, load) in curve)
{
    Volatile.Write(ref callers, load);
    for (var s = 0; s < seconds; s++, second++)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        var status = hoist.Client.GetStatus("resizer");
        Console.WriteLine($"{second,3}s  callers {load,2}  replicas ready {status?.ReadyReplicas ?? 0}, desired {status?.DesiredReplicas ?? 0}");
    }
}

await stop.CancelAsync();
await Task.WhenAll(loops);
Console.WriteLine();
Console.WriteLine($"{served} calls served; each is one trace in the dashboard.");

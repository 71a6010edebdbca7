using System.Diagnostics;
using System.Diagnostics.Metrics;
using Hoist.Benchmarks.Raw;

namespace Hoist.Benchmarks;

/// <summary>
/// What telemetry costs on the call path (issue 13): the small-call figures with nobody listening to Hoist's
/// ActivitySource and Meter, and with an ActivityListener that records every span and a MeterListener on every
/// instrument, in alternating rounds of the same run. With listeners the worker continues each call's trace too.
/// The raw grpc-dotnet echo is there to compare the unobserved path with the default mode's figures.
/// </summary>
internal static class TelemetryBenchmarks
{
    public static async Task RunAsync(HoistApplication hoist, bool quick)
    {
        var rounds = quick ? 2 : 10;
        var perRound = quick ? 500 : 1500;
        var throughputTime = TimeSpan.FromSeconds(quick ? 1 : 3);
        Console.WriteLine($"Telemetry benchmarks: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(quick ? "quick" : "full")} run");
        Console.WriteLine("Hoist's small call with no telemetry listener, and with an ActivityListener and a MeterListener attached, in alternating rounds.");
        Console.WriteLine();

        using var raw = await RawEchoProcess.StartAsync(workerTuning: true);
        await hoist.Client.StartServiceAsync("bench");
        var text = new string('x', 100);
        var rawText = new RawMessage { Text = text };
        Func<Task> rawSmall = () => raw.Client.EchoAsync(rawText).ResponseAsync;
        Func<Task> small = () => BenchService.Remote.EchoAsync(text);
        var observed = new Observed();
        await Measure.LatenciesAsync(rawSmall, perRound);
        await Measure.LatenciesAsync(small, perRound);
        using (observed.Listen())
        {
            await Measure.LatenciesAsync(small, perRound);
        }

        var rawLatencies = new List<double>();
        var quietLatencies = new List<double>();
        var observedLatencies = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            rawLatencies.AddRange(await Measure.LatenciesAsync(rawSmall, perRound));
            await InTurnAsync(
                round,
                async () => quietLatencies.AddRange(await Measure.LatenciesAsync(small, perRound)),
                async () =>
                {
                    using var listening = observed.Listen();
                    observedLatencies.AddRange(await Measure.LatenciesAsync(small, perRound));
                });
        }

        var rawThroughput = new List<double>();
        var quietThroughput = new List<double>();
        var observedThroughput = new List<double>();
        for (var round = 0; round < Math.Max(2, rounds - 2); round++)
        {
            rawThroughput.Add(await Measure.ThroughputAsync(rawSmall, 32, throughputTime));
            await InTurnAsync(
                round,
                async () => quietThroughput.Add(await Measure.ThroughputAsync(small, 32, throughputTime)),
                async () =>
                {
                    using var listening = observed.Listen();
                    observedThroughput.Add(await Measure.ThroughputAsync(small, 32, throughputTime));
                });
        }

        var table = new Table("figure", "baseline", "Hoist", "ratio", "goal");
        var quietP50 = Measure.Median(quietLatencies);
        var observedP50 = Measure.Median(observedLatencies);
        var quietTp = Measure.Median(quietThroughput);
        var observedTp = Measure.Median(observedThroughput);
        table.Add("small call p50 (µs): no listener vs raw gRPC", Measure.Median(rawLatencies), quietP50, quietP50 / Measure.Median(rawLatencies), "as the default mode");
        table.Add("small call p50 (µs): listeners vs none", quietP50, observedP50, observedP50 / quietP50, "reported");
        table.Add("small call p99 (µs): listeners vs none", Measure.Percentile(quietLatencies, 99), Measure.Percentile(observedLatencies, 99), Measure.Percentile(observedLatencies, 99) / Measure.Percentile(quietLatencies, 99), "reported");
        table.Add("32 callers (calls/s): no listener vs raw gRPC", Measure.Median(rawThroughput), quietTp, quietTp / Measure.Median(rawThroughput), "as the default mode");
        table.Add("32 callers (calls/s): listeners vs none", quietTp, observedTp, observedTp / quietTp, "reported");
        table.Print();
        Console.WriteLine();
        Console.WriteLine($"While listening: {observed.Spans} spans and {observed.Measurements} measurements recorded.");
    }

    /// <summary>Each round runs both, the other one first every second round, so drift falls on both alike.</summary>
    private static async Task InTurnAsync(int round, Func<Task> quiet, Func<Task> listened)
    {
        if (round % 2 == 0)
        {
            await quiet();
            await listened();
        }
        else
        {
            await listened();
            await quiet();
        }
    }

    /// <summary>Listeners that do what an exporter's first step does: take every span and every measurement.</summary>
    private sealed class Observed
    {
        private long _spans;
        private long _measurements;

        public long Spans => Interlocked.Read(ref _spans);

        public long Measurements => Interlocked.Read(ref _measurements);

        public IDisposable Listen()
        {
            var activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == HoistTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _ => Interlocked.Increment(ref _spans),
            };
            ActivitySource.AddActivityListener(activities);
            var meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == HoistTelemetry.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            meters.Start();
            return new Listening(activities, meters);
        }
    }

    private sealed class Listening(ActivityListener activities, MeterListener meters) : IDisposable
    {
        public void Dispose()
        {
            meters.Dispose();
            activities.Dispose();
        }
    }
}

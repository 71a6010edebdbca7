using System.Diagnostics;

namespace Hoist.Benchmarks;

/// <summary>
/// The autoscaling and distribution figures (issues 3 and 4): reaction to a 10× step, cold start from
/// zero, the router's overhead, fan-out overhead and group cold start. Each beside its baseline.
/// </summary>
internal static class ScalingBenchmarks
{
    public static async Task RunAsync(HoistApplication hoist, bool quick)
    {
        var client = hoist.Client;
        var table = new Table("figure", "baseline", "Hoist", "ratio", "goal");
        var text = new string('x', 100);
        var calls = quick ? 1000 : 4000;

        // Router overhead: the same echo through the autoscaled path and through a plain service.
        await client.StartServiceAsync("bench");
        await client.StartServiceAsync("bench-elastic");
        var plain = BenchService.Remote;
        var elastic = ElasticBench.Remote;
        await Measure.ThroughputAsync(() => plain.EchoAsync(text), 1, TimeSpan.FromSeconds(2));
        await Measure.ThroughputAsync(() => elastic.EchoAsync(text), 1, TimeSpan.FromSeconds(2));
        var plainLatencies = new List<double>();
        var elasticLatencies = new List<double>();
        for (var round = 0; round < 8; round++)
        {
            plainLatencies.AddRange(await Measure.LatenciesAsync(() => plain.EchoAsync(text), calls / 8));
            elasticLatencies.AddRange(await Measure.LatenciesAsync(() => elastic.EchoAsync(text), calls / 8));
        }

        var plainP50 = Measure.Median(plainLatencies);
        var elasticP50 = Measure.Median(elasticLatencies);
        var replicas = client.GetStatus("bench-elastic")?.ReadyReplicas ?? 0;
        table.Add($"router p50: autoscaled ({replicas} ready) vs plain service (µs)", plainP50, elasticP50, elasticP50 / plainP50, "≤ 1.1×");

        // Cold start from zero: a call waits in the activator while a replica starts.
        var coldStarts = new List<double>();
        for (var i = 0; i < (quick ? 3 : 7); i++)
        {
            await client.StopServiceAsync("bench-elastic");
            var start = Stopwatch.GetTimestamp();
            await elastic.EchoAsync("cold");
            coldStarts.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var coldStart = Measure.Median(coldStarts);
        table.Add("cold start from zero to first answer, median (ms)", 1000, coldStart, coldStart / 1000, "≤ 1 s");

        // Reaction: from one replica, a step to 20 in flight (10× the target of 2): time until 10 are ready.
        var reactions = new List<double>();
        for (var i = 0; i < (quick ? 1 : 3); i++)
        {
            await client.StopServiceAsync("bench-elastic");
            await elastic.EchoAsync("one replica");
            await Task.Delay(TimeSpan.FromSeconds(3));
            using var load = new CancellationTokenSource();
            var step = Stopwatch.StartNew();
            var callers = Enumerable.Range(0, 20).Select(async _ =>
            {
                while (!load.IsCancellationRequested)
                {
                    await elastic.WorkAsync(200);
                }
            }).ToArray();
            while ((client.GetStatus("bench-elastic")?.ReadyReplicas ?? 0) < 10 && step.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(20);
            }

            reactions.Add(step.Elapsed.TotalMilliseconds);
            await load.CancelAsync();
            await Task.WhenAll(callers);
        }

        // The goal: two 2 s ticks after the step, plus a cold start (the replicas start in parallel).
        var reaction = Measure.Median(reactions);
        var goal = 2 * 2000 + coldStart;
        table.Add("reaction: 10× step to 10 ready replicas, median (ms)", goal, reaction, reaction / goal, "≤ 2 ticks + cold start");
        await client.StopServiceAsync("bench-elastic");

        // Fan-out: a no-op to every rank of a 4-rank group against a no-op to one worker.
        var groupStarts = new List<double>();
        for (var i = 0; i < (quick ? 2 : 5); i++)
        {
            await client.StopServiceAsync("bench-group");
            var start = Stopwatch.GetTimestamp();
            await client.StartServiceAsync("bench-group");
            groupStarts.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var group = GroupBench.Remote;
        await Measure.ThroughputAsync(() => group.NoopAsync(), 1, TimeSpan.FromSeconds(2));
        await Measure.ThroughputAsync(() => plain.NoopAsync(), 1, TimeSpan.FromSeconds(2));
        var oneLatencies = new List<double>();
        var groupLatencies = new List<double>();
        for (var round = 0; round < 8; round++)
        {
            oneLatencies.AddRange(await Measure.LatenciesAsync(() => plain.NoopAsync(), calls / 8));
            groupLatencies.AddRange(await Measure.LatenciesAsync(() => group.NoopAsync(), calls / 8));
        }

        var oneP50 = Measure.Median(oneLatencies);
        var groupP50 = Measure.Median(groupLatencies);
        table.Add("fan-out p50: 4-rank no-op vs 1 worker (µs)", oneP50, groupP50, groupP50 / oneP50, "≤ 1.5×");
        var workerCold = coldStart;
        var groupCold = Measure.Median(groupStarts);
        table.Add("group cold start, all 4 ranks ready, median (ms)", workerCold, groupCold, groupCold / workerCold, "(vs one worker)");
        table.Print();
    }
}

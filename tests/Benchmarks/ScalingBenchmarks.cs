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

        // Call by call in turn, so that drift in the machine falls on both alike: in blocks of calls, whichever
        // service was measured second came out slower, also with the two services swapped.
        var (plainLatencies, elasticLatencies) = await Measure.PairedLatenciesAsync(() => plain.EchoAsync(text), () => elastic.EchoAsync(text), calls);
        var plainP50 = Measure.Median(plainLatencies);
        var elasticP50 = Measure.Median(elasticLatencies);
        var replicas = client.GetStatus("bench-elastic")?.ReadyReplicas ?? 0;
        table.Add($"router p50: autoscaled ({replicas} ready) vs plain, calls in turn (µs)", plainP50, elasticP50, elasticP50 / plainP50, "≤ 1.1×");

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

        await FanOutAsync(client, table, quick, coldStart);
        table.Print();
    }

    /// <summary>Only the distribution figures: dotnet run -c Release --project tests/Benchmarks -- fanout</summary>
    public static async Task RunFanOutAsync(HoistApplication hoist, bool quick)
    {
        var table = new Table("figure", "baseline", "Hoist", "ratio", "goal");
        // One worker's cold start, the group's baseline (the full run takes the autoscaled one from zero).
        await hoist.Client.StopServiceAsync("bench");
        var start = Stopwatch.GetTimestamp();
        await hoist.Client.StartServiceAsync("bench");
        await FanOutAsync(hoist.Client, table, quick, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        table.Print();
    }

    /// <summary>
    /// Fan-out: a no-op to every rank of a 4-rank group against a no-op to one worker. Beside it, the same
    /// shape with hand-written grpc-dotnet (four echo servers against one) and with plain sockets (a one-byte
    /// ping), which show what four processes answering at once cost on this machine before Hoist adds anything.
    /// </summary>
    private static async Task FanOutAsync(HoistClient client, Table table, bool quick, double workerColdStart)
    {
        var calls = quick ? 1000 : 4000;
        var groupStarts = new List<double>();
        for (var i = 0; i < (quick ? 2 : 5); i++)
        {
            await client.StopServiceAsync("bench-group");
            var start = Stopwatch.GetTimestamp();
            await client.StartServiceAsync("bench-group");
            groupStarts.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var raws = new List<RawEchoProcess>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                raws.Add(await RawEchoProcess.StartAsync(workerTuning: true));
            }

            var message = new Raw.RawMessage();
            Func<Task> rawOne = () => raws[0].Client.EchoAsync(message).ResponseAsync;
            var rawAll = Measure.AllAtOnce(raws, raw => raw.Client.EchoAsync(message).ResponseAsync);
            Func<Task> pingOne = () => raws[0].PingAsync();
            var pingAll = Measure.AllAtOnce(raws, raw => raw.PingAsync());

            var plain = BenchService.Remote;
            var group = GroupBench.Remote;
            Func<Task>[] shapes = [() => plain.NoopAsync(), () => group.NoopAsync(), rawOne, rawAll, pingOne, pingAll];
            foreach (var shape in shapes)
            {
                await Measure.ThroughputAsync(shape, 1, TimeSpan.FromSeconds(quick ? 1 : 2));
            }

            // In interleaved blocks, so that every process is as warm as in back-to-back use. (Call by call in
            // turn, the one worker is woken from idle each time and its call slows by a third, which flatters
            // the ratio; the router's figure, two single workers alike, is measured that way instead.)
            var latencies = shapes.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < 8; round++)
            {
                for (var i = 0; i < shapes.Length; i++)
                {
                    latencies[i].AddRange(await Measure.LatenciesAsync(shapes[i], calls / 8));
                }
            }

            var p50 = latencies.Select(Measure.Median).ToArray();
            var (oneP50, groupP50) = (p50[0], p50[1]);
            table.Add("fan-out p50: 4-rank no-op vs 1 worker (µs)", oneP50, groupP50, groupP50 / oneP50, "≤ 1.5×");
            table.Add("  raw grpc-dotnet: 4 echo servers at once vs 1 (µs)", p50[2], p50[3], p50[3] / p50[2], "(this machine)");
            table.Add("  plain sockets: 1-byte ping to 4 processes vs 1 (µs)", p50[4], p50[5], p50[5] / p50[4], "(this machine)");

            // Were every layer above the socket free for the three extra ranks, fan-out would still cost what
            // reaching three more processes costs: the one-worker call plus the sockets' difference.
            var floor = oneP50 + (p50[5] - p50[4]);
            table.Add("  floor: 1-worker call + what 3 more processes cost (µs)", oneP50, floor, floor / oneP50, "(this machine)");
        }
        finally
        {
            foreach (var raw in raws)
            {
                raw.Dispose();
            }
        }

        var groupCold = Measure.Median(groupStarts);
        table.Add("group cold start, all 4 ranks ready, median (ms)", workerColdStart, groupCold, groupCold / workerColdStart, "(vs one worker)");
    }
}

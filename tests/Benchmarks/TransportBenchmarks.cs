using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Hoist.Benchmarks.Raw;

namespace Hoist.Benchmarks;

/// <summary>
/// The local transport's figures (issue 14): Hoist's call path against a raw grpc-dotnet echo over loopback
/// TCP and over a Unix domain socket, both served by one baseline process, all measured in the same run.
/// Ratios are against raw TCP: below 1 is faster for times, above 1 is faster for throughput.
/// </summary>
internal static class TransportBenchmarks
{
    /// <param name="only">
    /// One part alone, for a quick look: <c>small</c> (<c>-- transport small</c>), the small-call figures; <c>big</c>, the
    /// 64 and 256 MiB echoes and their floor; <c>idle</c>, the idle worker's memory.
    /// </param>
    public static async Task RunAsync(HoistApplication hoist, bool quick, string? only = null)
    {
        if (only == "idle")
        {
            await IdleWorkerAsync(hoist);
            return;
        }

        var rounds = quick ? 2 : 6;
        var perRound = quick ? 500 : 1500;
        var throughputTime = TimeSpan.FromSeconds(quick ? 1 : 3);
        var local = hoist.Client.Backend is Backends.Local.LocalBackend;
        var endpoint = (await hoist.Client.Backend.GetDeploymentAsync("bench", CancellationToken.None)).Endpoints[0];
        Console.WriteLine($"Transport benchmarks: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(quick ? "quick" : "full")} run");
        Console.WriteLine($"Hoist reaches its worker {(endpoint.SocketPath is null ? $"over TCP at {endpoint.Address}" : $"over the Unix socket {endpoint.SocketPath}")}{(local ? "" : " (not the local backend)")}.");
        Console.WriteLine();

        using var raw = await RawEchoProcess.StartAsync(workerTuning: true);
        var proxy = BenchService.Remote;
        var table = new Table3();
        await hoist.Client.StartServiceAsync("bench");
        if (only == "big")
        {
            await BigEchoesAsync(table, raw, proxy, quick);
            return;
        }

        // 1. Small call: a 100-byte string echo.
        var text = new string('x', 100);
        var rawText = new RawMessage { Text = text };
        var small = new (string Name, Func<Task> Call)[]
        {
            ("tcp", () => raw.Client.EchoAsync(rawText).ResponseAsync),
            ("unix", () => raw.SocketClient.EchoAsync(rawText).ResponseAsync),
            ("hoist", () => proxy.EchoAsync(text)),
        };
        var latencies = await InTurnAsync(small, rounds, call => Measure.LatenciesAsync(call, perRound));
        table.Add("small call p50 (µs)", latencies, Measure.Median, "≤ 0.6×");

        var throughput = await InTurnAsync(small, Math.Max(2, rounds - 2), async call => new[] { await Measure.ThroughputAsync(call, 32, throughputTime) });
        table.Add("small calls, 32 callers (calls/s)", throughput, Measure.Median, "≥ 1.8×");
        if (only == "small")
        {
            table.Print();
            return;
        }

        // 2. float[262144] (1 MiB) each way, against a raw 1 MiB bytes echo.
        _ = await EchoAsync(table, raw, proxy, 262144, rounds, quick ? 10 : 30, memory: false, "≥ 1.5× (time ≤ 0.67×)");

        await BigEchoesAsync(table, raw, proxy, quick);
        Console.WriteLine();
        await IdleWorkerAsync(hoist);
        Console.WriteLine();
        RegionCosts(quick);
        Console.WriteLine();
        await ThresholdAsync(quick);
    }

    /// <summary>
    /// float[16777216] (64 MiB) and float[67108864] (256 MiB) each way, with the copying floor beside each: four memcpys
    /// of the payload in this process (the arguments out and in, the result out and in). The same as ReadOnlyMemory&lt;float&gt;
    /// in and out: the worker reads a view of the caller's region, no copy. Prints the table so far, then the floors.
    /// </summary>
    private static async Task BigEchoesAsync(Table3 table, RawEchoProcess raw, BenchService.RemoteProxy proxy, bool quick)
    {
        var echo64 = await EchoAsync(table, raw, proxy, 16777216, quick ? 2 : 4, quick ? 2 : 3, memory: false, "≥ 3× (time ≤ 0.33×), ≤ 1.5× floor");
        var memory64 = await EchoAsync(table, raw, proxy, 16777216, quick ? 2 : 4, quick ? 2 : 3, memory: true, "< 1.0× floor");
        var echo256 = await EchoAsync(table, raw, proxy, 67108864, quick ? 1 : 3, 1, memory: false, "≥ 3× (time ≤ 0.33×)");
        var memory256 = await EchoAsync(table, raw, proxy, 67108864, quick ? 1 : 3, 1, memory: true, "< 1.0× floor");

        // The same 256 MiB over TCP, as a pod is reached: one inline message each way, as raw gRPC sends it (no chunks yet).
        await using (var tcpApp = await StartAppAsync(o =>
        {
            o.Local.Transport = "tcp";
            o.MaxRequestBytes = 512 * 1024 * 1024;
        }))
        {
            _ = await EchoAsync(table, raw, BenchService.Remote.WithInvoker(tcpApp.Client), 67108864, quick ? 1 : 3, 1, memory: false, "≥ 3× (time ≤ 0.33×)", over: "Hoist over TCP");
        }

        table.Print();
        Console.WriteLine();
        MemcpyFloor(quick, ("float[]", 16777216, echo64), ("ReadOnlyMemory<float>", 16777216, memory64), ("float[]", 67108864, echo256), ("ReadOnlyMemory<float>", 67108864, memory256));
    }

    /// <summary>
    /// Where shared memory starts to pay: the same float echo with every payload inline on the call stream,
    /// and with every payload in shared memory, by size. Hoist:Local:SharedMemoryThreshold sits past the crossing.
    /// </summary>
    public static async Task ThresholdAsync(bool quick)
    {
        await using var inlineApp = await StartAppAsync(o => o.Local.SharedMemoryThreshold = 0);
        await using var sharedApp = await StartAppAsync(o => o.Local.SharedMemoryThreshold = 1);
        var inline = BenchService.Remote.WithInvoker(inlineApp.Client);
        var shared = BenchService.Remote.WithInvoker(sharedApp.Client);
        Console.WriteLine("| float echo of | inline, median (µs) | shared memory, median (µs) | shared / inline |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var kib in new[] { 8, 16, 32, 48, 64, 96, 128, 1024 })
        {
            var floats = new float[kib * 256];
            var (a, b) = await Measure.PairedLatenciesAsync(() => inline.EchoFloatsAsync(floats), () => shared.EchoFloatsAsync(floats), 20);
            (a, b) = await Measure.PairedLatenciesAsync(() => inline.EchoFloatsAsync(floats), () => shared.EchoFloatsAsync(floats), quick ? 100 : 400);
            var inlineP50 = Measure.Median(a);
            var sharedP50 = Measure.Median(b);
            Console.WriteLine($"| {kib} KiB | {inlineP50:0} | {sharedP50:0} | {sharedP50 / inlineP50:0.00}× |");
        }
    }

    /// <summary>
    /// The copying floor of an echo of <c>float[count]</c>: four copies of its bytes between arrays already in memory (the
    /// arguments out and in, the result out and in), as Hoist's best case over shared memory would make them. Hoist's
    /// median echo in the table above, over this, is how far it is from memory speed.
    /// </summary>
    private static void MemcpyFloor(bool quick, params (string Kind, int Count, double HoistMs)[] echoes)
    {
        Console.WriteLine("| four memcpys of | median (ms) | Hoist's echo of | Hoist's echo (ms) | Hoist / floor |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (kind, count, hoistMs) in echoes)
        {
            var buffers = Enumerable.Range(0, 5).Select(_ => new float[count]).ToArray();
            Array.Fill(buffers[0], 1.5f);
            var times = new List<double>();
            for (var i = 0; i < (quick ? 3 : 7); i++)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                for (var copy = 0; copy < 4; copy++)
                {
                    buffers[copy].AsSpan().CopyTo(buffers[copy + 1]);
                }

                times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            var floor = Measure.Median(times);
            Console.WriteLine($"| float[{count}] ({count * 4.0 / (1024 * 1024):0} MiB) | {floor:0.0} | {kind} | {hoistMs:0.0} | {hoistMs / floor:0.00}× |");
        }

        GC.Collect();
    }

    /// <summary>
    /// An idle worker's resident memory: a fresh worker of a service with one tiny method, after its first call and three
    /// seconds of nothing, as a service waiting for its next call sits. Measured twice, each a new process.
    /// </summary>
    private static async Task IdleWorkerAsync(HoistApplication hoist)
    {
        // RSS counts every page the worker touched, the runtime's and framework's files it shares with the caller and
        // every other worker included; PSS divides those shared pages among the processes that map them.
        Console.WriteLine("| idle worker | RSS (MiB) | of which shared clean file pages (MiB) | PSS (MiB) | goal |");
        Console.WriteLine("|---|---|---|---|---|");
        for (var sample = 0; sample < 2; sample++)
        {
            var pid = await IdleBench.Remote.WithInvoker(hoist.Client).ProcessIdAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var rollup = File.ReadLines($"/proc/{pid}/smaps_rollup")
                .Select(l => l.Split(':', 2))
                .Where(f => f.Length == 2 && f[1].TrimEnd().EndsWith("kB", StringComparison.Ordinal))
                .ToDictionary(f => f[0], f => long.Parse(f[1].Trim()[..^2].Trim(), System.Globalization.CultureInfo.InvariantCulture) / 1024.0);
            Console.WriteLine($"| sample {sample + 1} | {rollup["Rss"]:0.0} | {rollup["Shared_Clean"]:0.0} | {rollup["Pss"]:0.0} | RSS ≤ 45 |");
            await hoist.Client.StopServiceAsync("bench-idle");
        }
    }

    /// <summary>
    /// What a region costs by itself, write then read, for the choice between a file per call (Hoist's: made,
    /// written, read, removed) and a region kept per worker and rewritten in place (its pages already there).
    /// </summary>
    private static void RegionCosts(bool quick)
    {
        var folder = Transport.PrivateFolder.Ensure(Transport.PrivateFolder.SharedMemoryFolder());
        Console.WriteLine("| region of | file per call, write + read + remove (ms) | kept region, rewrite + read (ms) | per call / kept |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var size in new[] { 128 * 1024, 1024 * 1024, 256 * 1024 * 1024 })
        {
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            var repeats = size > 16 * 1024 * 1024 ? (quick ? 2 : 4) : (quick ? 50 : 200);
            var perCall = new List<double>();
            var kept = new List<double>();
            var keptName = Transport.SharedRegions.NewName("kept");
            var keptRegion = Transport.SharedRegions.Create(folder, keptName, payload);
            for (var i = 0; i < repeats; i++)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                var name = Transport.SharedRegions.NewName("bench");
                var region = Transport.SharedRegions.Create(folder, name, payload);
                Transport.SharedRegions.Return(Transport.SharedRegions.Read(folder, region, int.MaxValue));
                Transport.SharedRegions.Delete(folder, name);
                perCall.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);

                start = System.Diagnostics.Stopwatch.GetTimestamp();
                keptRegion = Transport.SharedRegions.WriteExisting(folder, keptName, payload);
                Transport.SharedRegions.Return(Transport.SharedRegions.Read(folder, keptRegion, int.MaxValue));
                kept.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            Transport.SharedRegions.Delete(folder, keptName);
            var a = Measure.Median(perCall);
            var b = Measure.Median(kept);
            Console.WriteLine($"| {size / 1024} KiB | {a:0.000} | {b:0.000} | {a / b:0.00}× |");
        }
    }

    /// <summary>A Hoist app of its own beside the benchmark's, quiet (warnings only, no worker logs), configured by <paramref name="configure"/>.</summary>
    private static Task<HoistApplication> StartAppAsync(Action<Configuration.HoistOptions> configure) => HoistApplication.StartAsync([], builder =>
    {
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddHoist(o =>
        {
            o.ForwardWorkerLogs = false;
            configure(o);
        });
    });

    /// <summary>Measures the echo and adds its row; returns Hoist's median in milliseconds.</summary>
    /// <param name="over">How Hoist reaches its worker, when not over the local transport.</param>
    private static async Task<double> EchoAsync(Table3 table, RawEchoProcess raw, BenchService.RemoteProxy proxy, int count, int rounds, int perRound, bool memory, string goal, string? over = null)
    {
        var floats = new float[count];
        for (var i = 0; i < floats.Length; i++)
        {
            floats[i] = i;
        }

        var rawBytes = new RawMessage { Data = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan())) };
        var calls = new (string Name, Func<Task> Call)[]
        {
            ("tcp", () => raw.Client.EchoAsync(rawBytes).ResponseAsync),
            ("unix", () => raw.SocketClient.EchoAsync(rawBytes).ResponseAsync),
            ("hoist", async () =>
            {
                var echoed = memory ? await proxy.EchoFloatMemoryAsync(floats) : await proxy.EchoFloatsAsync(floats);
                if (echoed.Length != floats.Length || echoed.Span[^1] != floats[^1])
                {
                    throw new InvalidOperationException("The echo came back different.");
                }
            }),
        };
        var latencies = await InTurnAsync(calls, rounds, call => Measure.LatenciesAsync(call, perRound));
        var mib = count * 4.0 / (1024 * 1024);
        table.Add($"{(memory ? $"ReadOnlyMemory<float> of {count}" : $"float[{count}]")} ({mib:0} MiB) echo{(over is null ? "" : $", {over}")}, median (ms)", latencies, values => Measure.Median(values) / 1000, goal);
        GC.Collect();
        return Measure.Median(latencies["hoist"]) / 1000;
    }

    /// <summary>Each round runs every call kind once, after a warm-up, so drift in the machine falls on all alike.</summary>
    private static async Task<Dictionary<string, List<double>>> InTurnAsync((string Name, Func<Task> Call)[] calls, int rounds, Func<Func<Task>, Task<double[]>> measure)
    {
        var results = calls.ToDictionary(c => c.Name, _ => new List<double>());
        foreach (var (_, call) in calls)
        {
            await call();
            await call();
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, call) in round % 2 == 0 ? calls : calls.Reverse())
            {
                results[name].AddRange(await measure(call));
            }
        }

        return results;
    }

    /// <summary>Raw TCP, raw Unix socket and Hoist side by side, with Hoist's and the socket's ratios to raw TCP.</summary>
    private sealed class Table3
    {
        private readonly Table _table = new("figure", "raw TCP", "raw unix", "Hoist", "unix/TCP", "Hoist/TCP", "Hoist/unix", "goal vs TCP");

        public void Add(string figure, Dictionary<string, List<double>> values, Func<List<double>, double> summary, string goal)
        {
            var tcp = summary(values["tcp"]);
            var unix = summary(values["unix"]);
            var hoist = summary(values["hoist"]);
            _table.AddRow(figure, Table.Format(tcp, "0.00"), Table.Format(unix, "0.00"), Table.Format(hoist, "0.00"), $"{unix / tcp:0.00}×", $"{hoist / tcp:0.00}×", $"{hoist / unix:0.00}×", goal);
        }

        public void Print() => _table.Print();
    }
}

using Google.Protobuf;
using Hoist;
using Hoist.Benchmarks;
using Hoist.Benchmarks.Raw;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The raw baseline's server is this same executable, started with an argument.
if (args is [RawEchoServer.Argument, var portText, var pingPortText, .. var rest])
{
    await RawEchoServer.RunAsync(int.Parse(portText, System.Globalization.CultureInfo.InvariantCulture), int.Parse(pingPortText, System.Globalization.CultureInfo.InvariantCulture), rest is [var socketPath] ? socketPath : null);
    return;
}

// dotnet run -c Release --project tests/Benchmarks -- build
if (args is ["build", ..])
{
    await BuildBenchmarks.RunAsync(quick: args.Contains("--quick"));
    return;
}

// dotnet run -c Release --project tests/Benchmarks -- devloop
if (args is ["devloop", ..])
{
    await DevLoopBenchmarks.RunAsync(quick: args.Contains("--quick"));
    return;
}

// dotnet run -c Release --project tests/Benchmarks -- warm
if (args is ["warm", ..])
{
    await WarmBenchmarks.RunAsync(quick: args.Contains("--quick"));
    return;
}

await using var hoist = await HoistApplication.StartAsync(args, builder =>
{
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.AddHoist(o =>
    {
        o.ForwardWorkerLogs = false;

        // Room for the transport figures' 256 MiB echo.
        o.MaxRequestBytes = 512 * 1024 * 1024;
    });
});
var quick = args.Contains("--quick");
if (args.Contains("fanout"))
{
    // dotnet run -c Release --project tests/Benchmarks -- fanout
    await ScalingBenchmarks.RunFanOutAsync(hoist, quick);
    return;
}

if (args.Contains("stream"))
{
    // dotnet run -c Release --project tests/Benchmarks -- stream
    await StreamBenchmarks.RunAsync(hoist, quick);
    return;
}

if (args.Contains("telemetry"))
{
    // dotnet run -c Release --project tests/Benchmarks -- telemetry
    await TelemetryBenchmarks.RunAsync(hoist, quick);
    return;
}

if (args.Contains("dto"))
{
    // dotnet run -c Release --project tests/Benchmarks -- dto
    await DtoBenchmarks.RunAsync(hoist, quick);
    return;
}

if (args.Contains("threshold"))
{
    // dotnet run -c Release --project tests/Benchmarks -- threshold: the shared-memory sweep alone
    await TransportBenchmarks.ThresholdAsync(quick);
    return;
}

if (args.Contains("transport"))
{
    // dotnet run -c Release --project tests/Benchmarks -- transport [small|big|idle]
    await TransportBenchmarks.RunAsync(hoist, quick, only: new[] { "small", "big", "idle" }.FirstOrDefault(args.Contains));
    return;
}

if (args.Contains("scaling"))
{
    // dotnet run -c Release --project tests/Benchmarks -- scaling
    await ScalingBenchmarks.RunAsync(hoist, quick);
    return;
}

var rounds = quick ? 2 : 10;
var perRound = quick ? 500 : 1500;
var throughputTime = TimeSpan.FromSeconds(quick ? 1 : 3);

Console.WriteLine($"Hoist benchmarks: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(quick ? "quick" : "full")} run");
Console.WriteLine("Each figure is compared with a raw grpc-dotnet echo measured in the same run over the same loopback.");
Console.WriteLine();

using var raw = await RawEchoProcess.StartAsync();
using var rawTuned = await RawEchoProcess.StartAsync(workerTuning: true);
await hoist.Client.StartServiceAsync("bench");
var proxy = BenchService.Remote;

// 1. Small call: a 100-byte string echo.
var text = new string('x', 100);
var rawText = new RawMessage { Text = text };
Func<Task> rawSmall = () => raw.Client.EchoAsync(rawText).ResponseAsync;
Func<Task> hoistSmall = () => proxy.EchoAsync(text);
await Measure.LatenciesAsync(rawSmall, perRound);
await Measure.LatenciesAsync(hoistSmall, perRound);

var rawLatencies = new List<double>();
var hoistLatencies = new List<double>();
for (var round = 0; round < rounds; round++)
{
    rawLatencies.AddRange(await Measure.LatenciesAsync(rawSmall, perRound));
    hoistLatencies.AddRange(await Measure.LatenciesAsync(hoistSmall, perRound));
}

var rawThroughput = new List<double>();
var hoistThroughput = new List<double>();
for (var round = 0; round < Math.Max(2, rounds - 2); round++)
{
    rawThroughput.Add(await Measure.ThroughputAsync(rawSmall, 32, throughputTime));
    hoistThroughput.Add(await Measure.ThroughputAsync(hoistSmall, 32, throughputTime));
}

// 2. Large payload: float[262144] (1 MiB) each way, against a raw 1 MiB bytes echo.
var floats = Enumerable.Range(0, 262144).Select(i => (float)i).ToArray();
var rawBytes = new RawMessage { Data = ByteString.CopyFrom(new byte[floats.Length * sizeof(float)]) };
Func<Task> rawLarge = () => raw.Client.EchoAsync(rawBytes).ResponseAsync;
Func<Task> hoistLarge = () => proxy.EchoFloatsAsync(floats);
var largeCalls = quick ? 50 : 200;
await Measure.LatenciesAsync(rawLarge, 20);
await Measure.LatenciesAsync(hoistLarge, 20);
Func<Task> rawTunedLarge = () => rawTuned.Client.EchoAsync(rawBytes).ResponseAsync;
await Measure.LatenciesAsync(rawTunedLarge, 20);
var rawLarge1 = new List<double>();
var rawTunedLarge1 = new List<double>();
var hoistLarge1 = new List<double>();
for (var round = 0; round < rounds; round++)
{
    rawLarge1.AddRange(await Measure.LatenciesAsync(rawLarge, largeCalls / rounds));
    rawTunedLarge1.AddRange(await Measure.LatenciesAsync(rawTunedLarge, largeCalls / rounds));
    hoistLarge1.AddRange(await Measure.LatenciesAsync(hoistLarge, largeCalls / rounds));
}

const double MiB2 = 2.0; // 1 MiB each way
double MiBPerSecond(List<double> micros) => MiB2 / (micros.Average() / 1e6);

// 3. Worker cold start: from process start to the first call answered.
var coldStarts = new List<double>();
var rawColdStarts = new List<double>();
for (var i = 0; i < (quick ? 3 : 7); i++)
{
    await hoist.Client.StopServiceAsync("bench");
    var start = System.Diagnostics.Stopwatch.GetTimestamp();
    await proxy.EchoAsync("cold");
    coldStarts.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);

    start = System.Diagnostics.Stopwatch.GetTimestamp();
    using (await RawEchoProcess.StartAsync())
    {
        rawColdStarts.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
}

var table = new Table("figure", "raw gRPC", "Hoist", "ratio", "goal");
var rawP50 = Measure.Median(rawLatencies);
var hoistP50 = Measure.Median(hoistLatencies);
table.Add("small call p50 latency (µs)", rawP50, hoistP50, hoistP50 / rawP50, "≤ 1.15×");
table.Add("small call p99 latency (µs)", Measure.Percentile(rawLatencies, 99), Measure.Percentile(hoistLatencies, 99), Measure.Percentile(hoistLatencies, 99) / Measure.Percentile(rawLatencies, 99), "");
var rawTp = Measure.Median(rawThroughput);
var hoistTp = Measure.Median(hoistThroughput);
table.Add("small call throughput, 32 callers (calls/s)", rawTp, hoistTp, hoistTp / rawTp, "≥ 0.85×");
var rawMiB = MiBPerSecond(rawLarge1);
var hoistMiB = MiBPerSecond(hoistLarge1);
table.Add("1 MiB each way throughput (MiB/s)", rawMiB, hoistMiB, hoistMiB / rawMiB, "≥ 0.8×");
var rawTunedMiB = MiBPerSecond(rawTunedLarge1);
table.Add("  the same, baseline server given the workers' GC setting", rawTunedMiB, hoistMiB, hoistMiB / rawTunedMiB, "(for honesty)");
var rawCold = Measure.Median(rawColdStarts);
var hoistCold = Measure.Median(coldStarts);
table.Add("worker cold start to first answer, median (ms)", rawCold, hoistCold, hoistCold / rawCold, "≤ 800 ms");
table.Print();

/// <summary>A plain text table for the console and the closing note.</summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [headers];

    public void Add(string figure, double baseline, double hoist, double ratio, string goal) =>
        _rows.Add([figure, Format(baseline, "0.0"), Format(hoist, "0.0"), $"{ratio:0.00}×", goal]);

    public void AddRow(params string[] cells) => _rows.Add(cells);

    public void Print()
    {
        var widths = Enumerable.Range(0, _rows[0].Length).Select(c => _rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in _rows)
        {
            Console.WriteLine("| " + string.Join(" | ", row.Select((cell, c) => cell.PadRight(widths[c]))) + " |");
            if (row == _rows[0])
            {
                Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
            }
        }
    }

    /// <summary>Whole numbers from 100 up, else <paramref name="small"/>'s precision.</summary>
    public static string Format(double value, string small) => value >= 100 ? value.ToString("0") : value.ToString(small);
}

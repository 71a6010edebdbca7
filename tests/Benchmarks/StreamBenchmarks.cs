using System.Diagnostics;
using Grpc.Core;
using Hoist.Benchmarks.Raw;

namespace Hoist.Benchmarks;

/// <summary>
/// Streamed items per second: a Hoist method returning IAsyncEnumerable&lt;string&gt; against a hand-written
/// grpc-dotnet server-streaming RPC over the same kind of Unix socket, measured in turn so both see the same machine.
/// </summary>
internal static class StreamBenchmarks
{
    public static async Task RunAsync(HoistApplication hoist, bool quick)
    {
        using var raw = await RawEchoProcess.StartAsync(workerTuning: true);
        await hoist.Client.StartServiceAsync("bench");
        var proxy = BenchService.Remote;
        var count = quick ? 50_000 : 200_000;
        var text = new string('x', 16);

        Func<Task<int>> hoistStream = async () =>
        {
            var received = 0;
            await foreach (var _ in proxy.RepeatAsync(count, text))
            {
                received++;
            }

            return received;
        };
        Func<Task<int>> rawStream = async () =>
        {
            var received = 0;
            using var call = raw.SocketClient.Stream(new RawStreamRequest { Count = count, Text = text });
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
                received++;
            }

            return received;
        };

        // Warm both paths (JIT, connections, the worker's tiering) before timing.
        await hoistStream();
        await rawStream();

        var hoistRates = new List<double>();
        var rawRates = new List<double>();
        for (var round = 0; round < (quick ? 3 : 8); round++)
        {
            rawRates.Add(await RateAsync(rawStream, count));
            hoistRates.Add(await RateAsync(hoistStream, count));
        }

        Console.WriteLine($"Hoist streaming benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {count} items of {text.Length} chars per stream");
        var hoistMedian = Measure.Median(hoistRates);
        var rawMedian = Measure.Median(rawRates);
        var table = new Table("figure", "raw grpc-dotnet", "Hoist", "Hoist / raw", "goal");
        table.Add("streamed items/s, median", rawMedian, hoistMedian, hoistMedian / rawMedian, "≥ 0.8×");
        table.Add("streamed items/s, best", rawRates.Max(), hoistRates.Max(), hoistRates.Max() / rawRates.Max(), "");
        table.Print();
    }

    private static async Task<double> RateAsync(Func<Task<int>> stream, int expected)
    {
        var clock = Stopwatch.StartNew();
        var received = await stream();
        clock.Stop();
        if (received != expected)
        {
            throw new InvalidOperationException($"The stream delivered {received} items, not {expected}.");
        }

        return received / clock.Elapsed.TotalSeconds;
    }
}

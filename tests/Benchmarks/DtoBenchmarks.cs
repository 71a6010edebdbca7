namespace Hoist.Benchmarks;

public sealed record BenchLine(string Sku, int Quantity, decimal UnitPrice, IReadOnlyList<string> Tags);

public sealed record BenchOrder(string Id, DateTimeOffset Placed, IReadOnlyList<BenchLine> Lines, Dictionary<string, int> Counts, string? Note)
{
    public static BenchOrder Create(int lines) => new(
        "order-42",
        new DateTimeOffset(2026, 11, 30, 6, 0, 0, TimeSpan.Zero),
        Enumerable.Range(0, lines).Select(i => new BenchLine($"sku-{i:0000}", i % 7 + 1, 1.25m * i, ["fresh", "boxed"])).ToList(),
        Enumerable.Range(0, 10).ToDictionary(i => $"bin-{i}", i => i),
        "leave at the door");
}

/// <summary>
/// The DTO-heavy call: a 50-line order echoed through a worker (the JSON codec both ways), measured in turn
/// with the 100-byte string echo so both see the same machine.
/// </summary>
internal static class DtoBenchmarks
{
    public static async Task RunAsync(HoistApplication hoist, bool quick)
    {
        await hoist.Client.StartServiceAsync("bench");
        var proxy = BenchService.Remote;
        var order = BenchOrder.Create(50);
        var text = new string('x', 100);
        Func<Task> small = () => proxy.EchoAsync(text);
        Func<Task> dto = () => proxy.EchoOrderAsync(order);
        await Measure.PairedLatenciesAsync(small, dto, quick ? 200 : 1000);

        var smallLatencies = new List<double>();
        var dtoLatencies = new List<double>();
        for (var round = 0; round < (quick ? 3 : 10); round++)
        {
            var (a, b) = await Measure.PairedLatenciesAsync(small, dto, quick ? 300 : 1000);
            smallLatencies.AddRange(a);
            dtoLatencies.AddRange(b);
        }

        var table = new Table("figure", "string echo", "50-line order echo", "ratio", "");
        var smallP50 = Measure.Median(smallLatencies);
        var dtoP50 = Measure.Median(dtoLatencies);
        table.Add("call p50 latency (µs)", smallP50, dtoP50, dtoP50 / smallP50, "");
        table.Add("call p99 latency (µs)", Measure.Percentile(smallLatencies, 99), Measure.Percentile(dtoLatencies, 99), Measure.Percentile(dtoLatencies, 99) / Measure.Percentile(smallLatencies, 99), "");
        table.Print();
    }
}

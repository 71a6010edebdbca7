namespace Hoist.Benchmarks;

/// <summary>The service the benchmarks call: echoes, so both sides do the same work as the raw baseline.</summary>
[Compute(Name = "bench", LaunchTimeout = 60)]
public partial class BenchService
{
    public string Echo(string text) => text;

    public float[] EchoFloats(float[] values) => values;

    /// <summary>The zero-copy echo: a large argument is a view of the caller's region, and the result is written from it.</summary>
    public ReadOnlyMemory<float> EchoFloatMemory(ReadOnlyMemory<float> values) => values;

    public BenchOrder EchoOrder(BenchOrder order) => order;

    /// <summary>The streaming figure: <paramref name="count"/> copies of <paramref name="text"/>, as fast as the reader takes them.</summary>
    public async IAsyncEnumerable<string> Repeat(int count, string text)
    {
        await Task.Yield();
        for (var i = 0; i < count; i++)
        {
            yield return text;
        }
    }
}

/// <summary>The plain service's no-op, the baseline for the fan-out figure.</summary>
public partial class BenchService
{
    public void Noop()
    {
    }
}

/// <summary>An autoscaled twin of the bench service: 2 calls in flight per replica, Knative's shortest window.</summary>
[Compute(Name = "bench-elastic", LaunchTimeout = 60)]
[Autoscale(Target = 2, TargetUtilization = 100, Window = "6s", MinScale = 0, MaxScale = 12)]
public partial class ElasticBench
{
    public string Echo(string text) => text;

    public async Task<int> WorkAsync(int milliseconds)
    {
        await Task.Delay(milliseconds);
        return Environment.ProcessId;
    }
}

/// <summary>A four-rank group for the fan-out figures.</summary>
[Compute(Name = "bench-group", LaunchTimeout = 60)]
[Distribute("spmd", Workers = 4)]
public partial class GroupBench
{
    public void Noop()
    {
    }
}

/// <summary>A service that does nothing, for the idle worker's resident memory.</summary>
[Compute(Name = "bench-idle", LaunchTimeout = 60)]
public static partial class IdleBench
{
    public static int ProcessId() => Environment.ProcessId;
}

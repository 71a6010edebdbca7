namespace Hoist.Benchmarks;

/// <summary>The service the benchmarks call: echoes, so both sides do the same work as the raw baseline.</summary>
[Compute(Name = "bench", LaunchTimeout = 60)]
public partial class BenchService
{
    public string Echo(string text) => text;

    public float[] EchoFloats(float[] values) => values;
}

using System.Diagnostics;

namespace Hoist.Benchmarks;

/// <summary>Small timing helpers: sequential latencies, concurrent throughput and medians.</summary>
internal static class Measure
{
    /// <summary>Per-call latencies in microseconds, one call after another.</summary>
    public static async Task<double[]> LatenciesAsync(Func<Task> call, int count)
    {
        var latencies = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        return latencies;
    }

    /// <summary>Completed calls per second with <paramref name="callers"/> callers looping for <paramref name="duration"/>.</summary>
    public static async Task<double> ThroughputAsync(Func<Task> call, int callers, TimeSpan duration)
    {
        long completed = 0;
        var stopwatch = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, callers).Select(async _ =>
        {
            while (stopwatch.Elapsed < duration)
            {
                await call();
                Interlocked.Increment(ref completed);
            }
        });
        await Task.WhenAll(loops);
        return completed / stopwatch.Elapsed.TotalSeconds;
    }

    public static double Percentile(IEnumerable<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Clamp(Math.Round(percentile / 100 * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> values) => Percentile(values, 50);
}

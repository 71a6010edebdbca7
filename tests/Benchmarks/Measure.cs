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
            latencies[i] = await TimeAsync(call);
        }

        return latencies;
    }

    /// <summary>
    /// Per-call latencies of two calls made in turn (a b, b a, a b, ...), so that whatever the machine does
    /// meanwhile (where the scheduler puts each process, which worker is still awake) falls on both alike.
    /// </summary>
    public static async Task<(double[] A, double[] B)> PairedLatenciesAsync(Func<Task> a, Func<Task> b, int pairs)
    {
        var latenciesA = new double[pairs];
        var latenciesB = new double[pairs];
        for (var i = 0; i < pairs; i++)
        {
            if (i % 2 == 0)
            {
                latenciesA[i] = await TimeAsync(a);
                latenciesB[i] = await TimeAsync(b);
            }
            else
            {
                latenciesB[i] = await TimeAsync(b);
                latenciesA[i] = await TimeAsync(a);
            }
        }

        return (latenciesA, latenciesB);
    }

    /// <summary>How long one call takes.</summary>
    public static async Task<TimeSpan> ElapsedAsync(Func<Task> call)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>
    /// Starts one call per target at once and waits for all: a fan-out built by hand, for the baselines.
    /// </summary>
    public static Func<Task> AllAtOnce<TTarget>(IReadOnlyList<TTarget> targets, Func<TTarget, Task> call)
    {
        var calls = new Task[targets.Count];
        return () =>
        {
            for (var i = 0; i < calls.Length; i++)
            {
                calls[i] = call(targets[i]);
            }

            return Task.WhenAll(calls);
        };
    }

    private static async Task<double> TimeAsync(Func<Task> call) => (await ElapsedAsync(call)).TotalMicroseconds;

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

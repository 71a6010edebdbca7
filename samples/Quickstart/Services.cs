using Hoist;

namespace Quickstart;

public sealed record TextStats(int Words, int Characters, string Longest, int WorkerProcessId);

/// <summary>Static methods: each attributed method is a service with its own workers.</summary>
public static partial class TextTools
{
    [Compute(Cpus = 1, Memory = "512Mi", LaunchTimeout = 60)]
    public static TextStats Analyze(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new TextStats(words.Length, text.Length, words.MaxBy(w => w.Length) ?? "", Environment.ProcessId);
    }

    [Compute(LaunchTimeout = 60)]
    public static async Task<double[]> NormalizeAsync(double[] values, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        var length = Math.Sqrt(values.Sum(v => v * v));
        return values.Select(v => v / length).ToArray();
    }

    [Compute(LaunchTimeout = 60)]
    public static int Divide(int dividend, int divisor) => dividend / divisor;
}

/// <summary>
/// A class service: each worker builds one instance and keeps it, so expensive state (a model, a cache)
/// is loaded once and shared by every call that worker serves. [Env] sets a variable in each of its workers,
/// here and in a pod alike.
/// </summary>
[Compute(Name = "greeter", Cpus = 0.5, Memory = "256Mi", LaunchTimeout = 60)]
[Env("GREETING", "Hello")]
public partial class Greeter
{
    private readonly DateTimeOffset _loadedAt = DateTimeOffset.UtcNow;
    private int _greeted;

    public string Greet(string name) =>
        $"{Environment.GetEnvironmentVariable("GREETING")}, {name}! I am greeting #{Interlocked.Increment(ref _greeted)} since {_loadedAt:HH:mm:ss.fff}";

    public int ProcessId() => Environment.ProcessId;
}

using System.Text.Json;
using k8s.Autorest;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// How the controller's loop lives through a failed tick, for the whole tick or one workload: which failures it survives,
/// and how long it waits before it tries that again, doubling from one tick up to <see cref="MaxDelay"/>. Pure.
/// </summary>
internal readonly record struct TickBackoff(int Failures, DateTimeOffset RetryAt)
{
    /// <summary>The longest wait after repeated failures: short enough that a held call's LaunchTimeout still sees a retry.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

    /// <summary>The backoff after one more failure at <paramref name="now"/>, following <paramref name="previous"/> (null: the first).</summary>
    public static TickBackoff After(TickBackoff? previous, DateTimeOffset now)
    {
        var failures = (previous?.Failures ?? 0) + 1;
        return new TickBackoff(failures, now + Delay(failures));
    }

    /// <summary>The wait after <paramref name="failures"/> failures in a row: one tick, then twice as long each time, at most <see cref="MaxDelay"/>.</summary>
    public static TimeSpan Delay(int failures)
    {
        var ticks = Autoscaling.ScalingPolicy.TickInterval.Ticks << Math.Clamp(failures - 1, 0, 16);
        return ticks >= MaxDelay.Ticks || ticks <= 0 ? MaxDelay : TimeSpan.FromTicks(ticks);
    }

    /// <summary>Whether the next attempt is due at <paramref name="now"/>.</summary>
    public bool IsDue(DateTimeOffset now) => now >= RetryAt;

    /// <summary>
    /// Whether the loop goes on after <paramref name="failure"/>: anything the API, the network or a body can throw (an
    /// HTTP error, the client's request timeout, which is an <see cref="OperationCanceledException"/> of its own, a
    /// <see cref="JsonException"/>, a refused Lease list) is logged and retried; only the host's own stop, and a process
    /// out of memory, end it. A loop that ended would stop the host and drop every held call.
    /// </summary>
    public static bool Survives(Exception failure, CancellationToken stopping) => failure switch
    {
        OperationCanceledException when stopping.IsCancellationRequested => false,
        OutOfMemoryException => false,
        _ => true,
    };

    /// <summary>What a log line says about <paramref name="failure"/>: its kind and message, an API error with its status.</summary>
    public static string Describe(Exception failure) => failure switch
    {
        HttpOperationException http => $"{(int)http.Response.StatusCode} {http.Response.ReasonPhrase}: {http.Message}",
        OperationCanceledException => $"timed out: {failure.Message}",
        _ => $"{failure.GetType().Name}: {failure.Message}",
    };
}

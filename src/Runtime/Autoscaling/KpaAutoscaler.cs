namespace Hoist.Autoscaling;

/// <summary>
/// Knative's KPA decision (knative/serving pkg/autoscaler/scaling/autoscaler.go) as a pure state machine:
/// given the time, the ready replicas and the stable and panic averages, it returns the replica count.
/// It does no I/O and reads no clock, so a test drives it tick by tick with the numbers Knative would see.
/// </summary>
public sealed class KpaAutoscaler(ScalingPolicy policy)
{
    // Panic state, as in Knative: when panic mode last saw the threshold crossed, and the most replicas
    // asked for while panicking (panic mode never scales down).
    private DateTimeOffset? _panicTime;
    private int _maxPanicPods;

    public ScalingPolicy Policy { get; private set; } = policy;

    /// <summary>Takes new settings (a configuration override) without losing panic state.</summary>
    public void Update(ScalingPolicy policy) => Policy = policy;

    /// <param name="now">The tick's time.</param>
    /// <param name="readyReplicas">Replicas that passed their health check.</param>
    /// <param name="stableAverage">The metric's total over all replicas, averaged over the stable window.</param>
    /// <param name="panicAverage">The same over the panic window.</param>
    /// <param name="quietFor">How long there has been no traffic at all.</param>
    public ScaleDecision Decide(DateTimeOffset now, int readyReplicas, double stableAverage, double panicAverage, TimeSpan quietFor)
    {
        var policy = Policy;

        // Knative counts zero ready pods as one, so the rate limits still allow growth from zero.
        var ready = Math.Max(1.0, readyReplicas);
        var maxScaleUp = Math.Ceiling(ScalingPolicy.MaxScaleUpRate * ready);
        var maxScaleDown = Math.Floor(ready / ScalingPolicy.MaxScaleDownRate);

        var stableWanted = Math.Ceiling(stableAverage / policy.TargetPerReplica);
        var panicWanted = Math.Ceiling(panicAverage / policy.TargetPerReplica);
        var stableDesired = (int)Math.Min(Math.Max(stableWanted, maxScaleDown), maxScaleUp);
        var panicDesired = (int)Math.Min(Math.Max(panicWanted, maxScaleDown), maxScaleUp);

        var overPanicThreshold = panicWanted / ready >= ScalingPolicy.PanicThreshold;
        if (overPanicThreshold)
        {
            // Enter panic, or extend it while the surge lasts.
            _panicTime = now;
        }
        else if (_panicTime is { } since && since + policy.StableWindow < now)
        {
            // The surge has reached the stable window: leave panic mode.
            _panicTime = null;
            _maxPanicPods = 0;
        }

        int desired;
        string reason;
        if (_panicTime is not null)
        {
            var wanted = Math.Max(stableDesired, panicDesired);
            _maxPanicPods = Math.Max(_maxPanicPods, wanted);
            desired = _maxPanicPods;
            reason = wanted < desired ? "panic mode: holding, never scaling down" : "panic mode: scaling to the larger of stable and panic";
        }
        else
        {
            desired = stableDesired;
            reason = "stable mode";
        }

        var max = policy.MaxScale > 0 ? policy.MaxScale : int.MaxValue;
        if (desired > max)
        {
            desired = max;
            reason += ", capped at MaxScale";
        }

        if (desired < policy.MinScale)
        {
            desired = policy.MinScale;
            reason += ", raised to MinScale";
        }

        if (desired == 0)
        {
            // Zero needs a whole stable window without traffic plus the grace period; until then keep one.
            var needed = policy.StableWindow + policy.ScaleToZeroGracePeriod;
            if (quietFor < needed || stableAverage > 0 || panicAverage > 0)
            {
                desired = 1;
                reason = $"idle for {quietFor.TotalSeconds:0.#} s of the {needed.TotalSeconds:0.#} s needed to scale to zero";
            }
            else
            {
                reason = $"scale to zero: idle for {quietFor.TotalSeconds:0.#} s (stable window plus grace period)";
            }
        }

        return new ScaleDecision
        {
            At = now,
            ReadyReplicas = readyReplicas,
            StableAverage = stableAverage,
            PanicAverage = panicAverage,
            StableDesired = stableDesired,
            PanicDesired = panicDesired,
            Panicking = _panicTime is not null,
            MinScale = policy.MinScale,
            MaxScale = policy.MaxScale,
            DesiredReplicas = desired,
            Reason = reason,
        };
    }
}

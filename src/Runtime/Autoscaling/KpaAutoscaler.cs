namespace Hoist.Autoscaling;

/// <summary>
/// Knative's KPA decision as a pure state machine, in its two upstream steps: the autoscaler's recommendation
/// (knative/serving pkg/autoscaler/scaling/autoscaler.go: rates, panic mode, the scale-down delay) and the scaler's bounds
/// (pkg/reconciler/autoscaling/kpa/scaler.go: InitialScale until reached, MinScale, MaxScale, and zero only after a
/// quiet stable window plus the grace period). Given the time, the ready replicas and the stable and panic averages,
/// it returns the replica count. It does no I/O and reads no clock, so a test drives it tick by tick with the numbers
/// Knative would see (tests/Runtime.Tests/Autoscaling/KnativeParityTests.cs runs Knative's own cases).
/// </summary>
public sealed class KpaAutoscaler(ScalingPolicy policy)
{
    // Panic state, as in Knative: when panic mode last saw the threshold crossed, and the most replicas
    // asked for while panicking (panic mode never scales down).
    private DateTimeOffset? _panicTime;
    private int _maxPanicPods;

    // Knative's ScaleTargetInitialized: until the ready replicas have reached InitialScale once, it is a floor. Hoist
    // asks for InitialScale when a call wakes a service at zero (ScalingStep.Wake), so that is when the hold begins.
    private bool _initialScaleReached = true;

    // ScaleDownDelay: the most replicas asked for over the delay, as Knative's delayWindow (null without a delay, which
    // is not the same as a one-bucket window: two decisions in one bucket would keep the larger).
    private MaxTimeWindow? _delayWindow = DelayWindow(policy);

    public ScalingPolicy Policy { get; private set; } = policy;

    /// <summary>True while InitialScale is a floor: from a wake until that many replicas were ready.</summary>
    public bool HoldingInitialScale => !_initialScaleReached && Policy.InitialScale > 0;

    /// <summary>Takes new settings (a configuration override) without losing panic state.</summary>
    /// <remarks>A changed ScaleDownDelay starts a new delay window: the old one's buckets are another length.</remarks>
    public void Update(ScalingPolicy policy)
    {
        if (policy.ScaleDownDelay != Policy.ScaleDownDelay)
        {
            _delayWindow = DelayWindow(policy);
        }

        Policy = policy;
    }

    /// <summary>A wake from zero asked for InitialScale: keep it until it is reached.</summary>
    public void HoldInitialScale() => _initialScaleReached = false;

    /// <summary>Stop holding InitialScale: the launch failed, or the service is stopping.</summary>
    public void ReleaseInitialScale() => _initialScaleReached = true;

    /// <param name="now">The tick's time.</param>
    /// <param name="readyReplicas">Replicas that passed their health check.</param>
    /// <param name="stableAverage">The metric's total over all replicas, averaged over the stable window.</param>
    /// <param name="panicAverage">The same over the panic window.</param>
    /// <param name="quietFor">How long there has been no traffic at all.</param>
    public ScaleDecision Decide(DateTimeOffset now, int readyReplicas, double stableAverage, double panicAverage, TimeSpan quietFor)
    {
        var policy = Policy;
        var recommended = Recommend(now, readyReplicas, stableAverage, panicAverage);
        var (desired, reason) = Bound(policy, recommended.Desired, recommended.Reason, readyReplicas, stableAverage, panicAverage, quietFor, HoldingInitialScale);

        // As Knative marks the scale target initialized after the scaler has acted (kpa.go computeActiveCondition):
        // the tick that first sees InitialScale ready still holds it, the next one may scale down.
        if (readyReplicas >= policy.InitialScale)
        {
            _initialScaleReached = true;
        }

        return new ScaleDecision
        {
            At = now,
            ReadyReplicas = readyReplicas,
            StableAverage = stableAverage,
            PanicAverage = panicAverage,
            StableDesired = recommended.StableDesired,
            PanicDesired = recommended.PanicDesired,
            Panicking = _panicTime is not null,
            MinScale = policy.MinScale,
            MaxScale = policy.MaxScale,
            DesiredReplicas = desired,
            Reason = reason,
        };
    }

    // autoscaler.go Scale: the replicas the load asks for, limited by the rates, never down while panicking.
    private (int StableDesired, int PanicDesired, int Desired, string Reason) Recommend(DateTimeOffset now, int readyReplicas, double stableAverage, double panicAverage)
    {
        var policy = Policy;

        // Knative counts zero ready pods as one, so the rate limits still allow growth from zero.
        var ready = Math.Max(1.0, readyReplicas);
        var maxScaleUp = Math.Ceiling(policy.MaxScaleUpRate * ready);
        var maxScaleDown = Math.Floor(ready / policy.MaxScaleDownRate);

        var stableWanted = Math.Ceiling(stableAverage / policy.TargetPerReplica);
        var panicWanted = Math.Ceiling(panicAverage / policy.TargetPerReplica);
        var stableDesired = (int)Math.Min(Math.Max(stableWanted, maxScaleDown), maxScaleUp);
        var panicDesired = (int)Math.Min(Math.Max(panicWanted, maxScaleDown), maxScaleUp);

        var overPanicThreshold = panicWanted / ready >= policy.PanicThreshold;
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
        if (_panicTime is null)
        {
            (desired, reason) = (stableDesired, "stable mode");
        }
        else
        {
            var wanted = Math.Max(stableDesired, panicDesired);
            _maxPanicPods = Math.Max(_maxPanicPods, wanted);
            (desired, reason) = (_maxPanicPods,
                wanted < _maxPanicPods ? "panic mode: holding, never scaling down" : "panic mode: scaling to the larger of stable and panic");
        }

        // autoscaler.go: a scale-down waits until the larger counts of the last ScaleDownDelay have left the window.
        if (_delayWindow is { } delayWindow)
        {
            delayWindow.Record(now, desired);
            if (delayWindow.Current != desired)
            {
                reason += $"; scale-down delayed: {desired} wanted, the most in the last {policy.ScaleDownDelay.TotalSeconds:0.#} s was {delayWindow.Current}";
                desired = delayWindow.Current;
            }
        }

        return (stableDesired, panicDesired, desired, reason);
    }

    private static MaxTimeWindow? DelayWindow(ScalingPolicy policy) =>
        policy.ScaleDownDelay > TimeSpan.Zero ? new MaxTimeWindow(policy.ScaleDownDelay, ScalingPolicy.TickInterval) : null;

    /// <summary>
    /// scaler.go scale and handleScaleToZero: the recommendation within InitialScale (while <paramref name="holdingInitialScale"/>),
    /// MinScale and MaxScale, and zero only once nothing is left to serve. Pure; Knative's scaler cases drive it directly.
    /// </summary>
    /// <param name="policy">The settings in force.</param>
    /// <param name="recommended">What the autoscaler asks for.</param>
    /// <param name="reason">Why it asks for that.</param>
    /// <param name="readyReplicas">Replicas ready now.</param>
    /// <param name="stableAverage">The stable window's average: any load keeps the last replica.</param>
    /// <param name="panicAverage">The panic window's average, likewise.</param>
    /// <param name="quietFor">How long there has been no traffic at all.</param>
    /// <param name="holdingInitialScale">True until InitialScale replicas have been ready once.</param>
    internal static (int Desired, string Reason) Bound(
        ScalingPolicy policy, int recommended, string reason, int readyReplicas, double stableAverage, double panicAverage, TimeSpan quietFor, bool holdingInitialScale)
    {
        var desired = recommended;
        var min = holdingInitialScale ? Math.Max(policy.MinScale, policy.InitialScale) : policy.MinScale;

        var max = policy.MaxScale > 0 ? policy.MaxScale : int.MaxValue;
        if (desired > max)
        {
            desired = max;
            reason += ", capped at MaxScale";
        }

        if (desired < min)
        {
            desired = Math.Min(min, max);
            reason += min == policy.MinScale ? ", raised to MinScale" : $", held at InitialScale {min} until that many are ready";
        }

        if (desired == 0 && readyReplicas > 0)
        {
            // An active service goes to zero after a whole stable window without traffic plus the grace period; until
            // then it keeps one (Knative's Active, then Inactive, states). One with no replica ready stays at zero.
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

        return (desired, reason);
    }
}

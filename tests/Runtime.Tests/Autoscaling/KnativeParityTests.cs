using Hoist.Autoscaling;
using Hoist.Manifests;
using Hoist.Settings;

namespace Hoist.Runtime.Tests.Autoscaling;

/// <summary>
/// Knative Serving's own test cases, fed to Hoist's pure decision: the autoscaler's recommendation
/// (pkg/autoscaler/scaling/autoscaler_test.go) through <see cref="KpaAutoscaler.Decide"/>, the scaler's bounds
/// (pkg/reconciler/autoscaling/kpa/scaler_test.go) through <see cref="KpaAutoscaler.Bound"/>, the per-replica target
/// (pkg/reconciler/autoscaling/resources/target_test.go) through <see cref="ServiceSettingsRules.TargetPerReplica"/>, and
/// the metric windows (pkg/autoscaler/aggregation/bucketing_test.go) through <see cref="MetricWindow"/>. Every row names
/// its upstream file and test, with Knative's numbers, so a change that breaks parity fails here.
/// Where Knative's case needs something Hoist does not model (excess burst capacity, activation scale, scale-down
/// delay, revision reachability, pod retention, the activator probe, 3 s or 5 s buckets) the row is left out and
/// <see cref="NotPorted"/> says why. The two differences the issue accepts are rows of their own, marked
/// <c>Difference</c>, asserting Hoist's number and explaining it.
/// </summary>
public sealed class KnativeParityTests
{
    private const string AutoscalerTest = "pkg/autoscaler/scaling/autoscaler_test.go";
    private const string ScalerTest = "pkg/reconciler/autoscaling/kpa/scaler_test.go";
    private const string TargetTest = "pkg/reconciler/autoscaling/resources/target_test.go";
    private const string BucketingTest = "pkg/autoscaler/aggregation/bucketing_test.go";

    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    // ---------------------------------------------------------------------------------------------------------------
    // autoscaler_test.go: the recommendation. Knative's fixtures use target T, scale-up and scale-down rates of 10, a
    // panic threshold of 2 (200%) and a 60 s stable window (newTestAutoscalerWithScalingMetric), one ready pod unless
    // the test sets another. Knative's autoscaler has no MinScale and no idle rule (its scaler has), so the policy here
    // has MinScale 0 and the service has been quiet for an hour: Decide's bounds pass the recommendation through.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>One Scale() call: seconds after the start, ready pods, stable and panic values, and Knative's DesiredPodCount.</summary>
    public sealed record Step(double At, int Ready, double Stable, double Panic, int Want);

    /// <summary>A Knative test: the decider's target, its rates and threshold, and its calls in order.</summary>
    public sealed record AutoscalerCase(double Target, Step[] Steps, double UpRate = 10, double DownRate = 10, double PanicThreshold = 2, string Metric = Metrics.Concurrency);

    private static readonly Dictionary<string, AutoscalerCase> s_autoscaler = new()
    {
        [$"{AutoscalerTest} TestAutoscalerScaleDownDelayZero"] = new(10, [new(0, 0, 40, 40, 4), new(0.5, 0, 20, 20, 2)], PanicThreshold: 100),
        [$"{AutoscalerTest} TestAutoscalerMetrics"] = new(10, [new(0, 1, 50, 50, 5)]),
        [$"{AutoscalerTest} TestAutoscalerMetricsWithRPS"] = new(10, [new(61, 1, 100, 99, 10)], Metric: Metrics.Rps),
        [$"{AutoscalerTest} TestAutoscalerStableModeIncreaseWithConcurrencyDefault"] = new(10, [new(0, 1, 50, 10, 5), new(0, 1, 100, 10, 10)]),
        [$"{AutoscalerTest} TestAutoscalerStableModeIncreaseWithRPS"] = new(10, [new(0, 1, 50, 50, 5), new(0, 1, 100, 99, 10)], Metric: Metrics.Rps),

        // Panic from 10 pods at 25 wanted, half a window later still panicking (41), then out of panic after a whole window.
        [$"{AutoscalerTest} TestAutoscalerUnpanicAfterSlowIncrease"] = new(1, [new(0, 10, 11, 25, 25), new(30, 40, 30, 41, 41), new(62, 55, 50, 56, 50)]),
        [$"{AutoscalerTest} TestAutoscalerExtendPanicWindow"] = new(1, [new(0, 10, 11, 25, 25), new(30, 40, 30, 80, 80)]),
        [$"{AutoscalerTest} TestAutoscalerStableModeDecrease"] = new(10, [new(0, 8, 100, 100, 10), new(0, 8, 50, 50, 5)]),
        [$"{AutoscalerTest} TestAutoscalerStableModeNoTrafficScaleToZero"] = new(10, [new(0, 1, 1, 0, 1), new(0, 1, 0, 0, 0)]),
        [$"{AutoscalerTest} TestAutoscalerPanicModeExponentialTrackAndStabilize"] = new(1,
            [new(0, 1, 6, 6, 6), new(0, 6, 36, 36, 36), new(1, 36, 216, 216, 216), new(1, 216, 1296, 1296, 1296), new(2, 1296, 1296, 1296, 1296)]),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerNoDataAtZeroNoAutoscale"] = new(10, [new(0, 1, 0, 0, 0)]),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerNoDataAtZeroNoAutoscaleWithExplicitEPs"] = new(10, [new(0, 1, 0, 0, 0)]),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerStableModeUnlimitedTBC"] = new(181, [new(0, 1, 21, 26, 1)]),
        [$"{AutoscalerTest} TestAutoscalerScale/Autoscaler0TBC"] = new(10, [new(0, 1, 50, 49, 5)]),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerStableModeNoChange"] = new(10, [new(0, 1, 50, 50, 5)]),

        // Knative's prepFunc sets panicTime 5 s ago and maxPanicPods 5; a call 5 s earlier that panics at 5 pods
        // (ceil(5/1) / 2 ready = 2.5 ≥ 2) puts the autoscaler in exactly that state.
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerPanicStableLargerThanPanic"] = new(1, [new(-5, 2, 5, 5, 5), new(0, 5, 50, 30, 50)]),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerPanicStableLessThanPanic"] = new(1, [new(-5, 2, 5, 5, 5), new(0, 5, 20, 30, 30)]),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerStableModeNoChangeAlreadyScaled"] = new(10, [new(0, 5, 50, 50, 5)]),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerStableModeIncreaseWithSmallScaleUpRate"] = new(1, [new(0, 2, 3, 3.1, 3)], UpRate: 1.1),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerStableModeDecreaseWithSmallScaleDownRate"] = new(10, [new(0, 100, 1, 1, 90)], DownRate: 1.1),
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerPanicModeDoublePodCount"] = new(10, [new(0, 1, 50, 100, 10)]),
        [$"{AutoscalerTest} TestAutoscalerPanicThenUnPanicScaleDown"] = new(10, [new(0, 1, 100, 100, 10), new(0, 10, 100, 1000, 100), new(30, 10, 1, 1, 100), new(61, 10, 1, 1, 1)]),
        [$"{AutoscalerTest} TestAutoscalerRateLimitScaleUp"] = new(10, [new(0, 1, 1000, 1001, 10), new(0, 10, 1000, 1001, 100)]),
        [$"{AutoscalerTest} TestAutoscalerRateLimitScaleDown"] = new(10, [new(0, 100, 1, 1, 10), new(0, 10, 1, 1, 1)]),
        [$"{AutoscalerTest} TestAutoscalerUseOnePodAsMinimumIfEndpointsNotFound"] = new(10, [new(0, 0, 1000, 888, 10)]),
    };

    public static TheoryData<string> AutoscalerCases => [.. s_autoscaler.Keys];

    [Theory]
    [MemberData(nameof(AutoscalerCases))]
    public void Recommendation_MatchesKnativesAutoscaler(string name)
    {
        var test = s_autoscaler[name];
        var autoscaler = new KpaAutoscaler(KnativeDecider(test.Target, test.Metric) with
        {
            MaxScaleUpRate = test.UpRate,
            MaxScaleDownRate = test.DownRate,
            PanicThreshold = test.PanicThreshold,
        });

        var got = test.Steps.Select(s => autoscaler.Decide(T0.AddSeconds(s.At), s.Ready, s.Stable, s.Panic, TimeSpan.FromHours(1)).DesiredReplicas);

        Assert.Equal(test.Steps.Select(s => s.Want), got);
    }

    /// <summary>
    /// autoscaler_test.go TestAutoscalerScaleDownDelay, tick by tick: target 10, rates 10, a 5 min delay, no pod ready
    /// (Knative counts one). Knative's clock starts at Go's zero time, whose Unix seconds are even, as T0's are, so the
    /// 2 s buckets fall alike. Its "simple" and "gradual" runs share one autoscaler, as here.
    /// </summary>
    [Fact]
    public void TestAutoscalerScaleDownDelay_HoldsTheMostWantedOverTheDelay_ThenLetsItScrollOut()
    {
        var autoscaler = new KpaAutoscaler(KnativeDecider(10) with { PanicThreshold = 100, ScaleDownDelay = TimeSpan.FromMinutes(5) });
        int At(TimeSpan after, double concurrency) => autoscaler.Decide(T0 + after, 0, concurrency, concurrency, TimeSpan.FromHours(1)).DesiredReplicas;

        // simple
        Assert.Equal(4, At(TimeSpan.FromSeconds(2), 40));                         // scale up
        Assert.Equal(4, At(TimeSpan.FromMinutes(5), 0));                          // five minutes at zero: still inside the delay
        Assert.Equal(0, At(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(2), 0)); // five minutes and one tick: down

        // gradual
        Assert.Equal(4, At(TimeSpan.FromMinutes(9), 40));
        Assert.Equal(4, At(TimeSpan.FromMinutes(10), 30));   // 4 still dominates
        Assert.Equal(4, At(TimeSpan.FromMinutes(11), 0));    // still at 4
        Assert.Equal(3, At(TimeSpan.FromMinutes(14), 0));    // 4 scrolls out, drop to 3
        Assert.Equal(0, At(TimeSpan.FromMinutes(15), 0));    // everything scrolled out
    }

    [Fact]
    public void TestAutoscalerScaleDownDelayZero_ScalesDownAtOnce_EvenWithinOneBucket()
    {
        var autoscaler = new KpaAutoscaler(KnativeDecider(10) with { PanicThreshold = 100 });

        Assert.Equal(4, autoscaler.Decide(T0, 0, 40, 40, TimeSpan.FromHours(1)).DesiredReplicas);
        Assert.Equal(2, autoscaler.Decide(T0.AddMilliseconds(500), 0, 20, 20, TimeSpan.FromHours(1)).DesiredReplicas);
    }

    [Fact]
    public void ScaleDownDelay_HoldsTheReplicasTheLastRecommendationsWanted_TickByTick_BeforeTheScalersBounds()
    {
        // Hoist's own loop: 2 s ticks, a 10 s delay, one ready replica kept by MinScale 1. 30 in flight on a target of
        // 10 wants 3; when the load stops, 3 stays for the five buckets of the delay, then the bound's 1.
        var policy = ScalingPolicy.From(new AutoscaleSpec { Target = 10, TargetUtilization = 100, Window = "6s", MaxScale = 5, ScaleDownDelay = "10s" });
        var autoscaler = new KpaAutoscaler(policy);
        var decisions = Enumerable.Range(0, 10)
            .Select(tick => tick < 2 ? 30.0 : 0.0)
            .Select((load, tick) => autoscaler.Decide(T0.AddSeconds(2 * tick), 3, load, load, TimeSpan.Zero))
            .ToList();

        Assert.Equal([3, 3, 3, 3, 3, 3, 1, 1, 1, 1], decisions.Select(d => d.DesiredReplicas));
        Assert.Contains("scale-down delayed: 1 wanted, the most in the last 10 s was 3", decisions[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TestAutoscalerUpdateTarget_NewSettingsTakeEffectAtTheNextDecision()
    {
        // autoscaler_test.go TestAutoscalerUpdateTarget: target 10 wants 10 from one pod, then Update to target 1 wants 100.
        var autoscaler = new KpaAutoscaler(KnativeDecider(10));
        Assert.Equal(10, autoscaler.Decide(T0, 1, 100, 101, TimeSpan.FromHours(1)).DesiredReplicas);

        autoscaler.Update(KnativeDecider(1));

        Assert.Equal(100, autoscaler.Decide(T0, 10, 100, 101, TimeSpan.FromHours(1)).DesiredReplicas);
    }

    [Fact]
    public void Difference_TestStartInPanicMode_HoistsKpaAlwaysStartsCalm()
    {
        // autoscaler_test.go TestStartInPanicMode: Knative creates an autoscaler over 2 or more ready pods in panic mode,
        // with maxPanicPods = the pods, so that a restarted autoscaler does not scale running pods down at once. Hoist
        // creates its KPA when a service's scaling loop starts, in stable mode; a loop that finds running replicas (the
        // controller's, at startup) lets them go at the stable rate limit instead. Accepted in issue 29 as not mattering
        // to users. Over 2 ready pods with one pod's worth of load, Knative holds 2 for a stable window; Hoist asks for 1.
        var decision = new KpaAutoscaler(KnativeDecider(100) with { PanicThreshold = 220 }).Decide(T0, 2, 100, 100, TimeSpan.Zero);

        Assert.False(decision.Panicking);
        Assert.Equal(1, decision.DesiredReplicas);        // max(ceil(100 / 100), floor(2 / 10)) = 1
    }

    // ---------------------------------------------------------------------------------------------------------------
    // scaler_test.go: the bounds and the way to zero. Knative's fixture: a 5 min stable window and a 60 s grace period
    // (kpa_test.go), scale-to-zero on. Knative returns a count and whether it applies it; a row expects the replicas the
    // revision then runs (the count when it applies it, else the replicas it started with). Knative's PA states map to
    // how long the service has been quiet: active for d is quiet for d; inactive for d is quiet for a window plus d.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>A scaler case: replicas running, the autoscaler's count, the bounds, how long quiet, and the replicas then run.</summary>
    public sealed record ScalerCase(int Start, int ScaleTo, TimeSpan Quiet, int Want, int MinScale = 0, int MaxScale = 0, int InitialScale = 1, bool Holding = false);

    private static readonly TimeSpan KnativeStableWindow = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan KnativeGracePeriod = TimeSpan.FromSeconds(60);

    private static TimeSpan Active(TimeSpan d) => d;

    private static TimeSpan Inactive(TimeSpan d) => KnativeStableWindow + d;

    private static readonly Dictionary<string, ScalerCase> s_scaler = new()
    {
        [$"{ScalerTest} TestScaler/waits to scale to zero (just before idle period)"] = new(1, 0, Active(KnativeStableWindow - TimeSpan.FromSeconds(1)), 1),
        [$"{ScalerTest} TestScaler/scale to 1 waiting for idle expires"] = new(10, 0, Active(KnativeStableWindow - TimeSpan.FromSeconds(1)), 1),
        [$"{ScalerTest} TestScaler/waits to scale to zero after idle period"] = new(1, 0, Active(KnativeStableWindow), 1),
        [$"{ScalerTest} TestScaler/can scale to zero after grace period, but 0 PA retention"] = new(1, 0, Inactive(KnativeGracePeriod), 0),
        [$"{ScalerTest} TestScaler/scale to zero after grace period, and after last pod retention"] = new(1, 0, Inactive(KnativeGracePeriod), 0),
        [$"{ScalerTest} TestScaler/scale to zero after grace period"] = new(1, 0, Inactive(KnativeGracePeriod), 0),
        [$"{ScalerTest} TestScaler/waits to scale to zero (just before grace period)"] = new(1, 0, Inactive(KnativeGracePeriod - TimeSpan.FromSeconds(1)), 1),
        [$"{ScalerTest} TestScaler/scale to zero with TBC=-1"] = new(1, 0, Inactive(KnativeGracePeriod), 0),

        // Knative's grace period is cluster-wide and keeps MinScale; Hoist's is per service and overrides MinScale
        // (ServiceSettingsRules.EffectiveMinScale, warned as HOIST046), so these policies are built directly.
        [$"{ScalerTest} TestScaler/scale down to minScale before grace period"] = new(10, 0, Inactive(KnativeGracePeriod - TimeSpan.FromSeconds(1)), 2, MinScale: 2),
        [$"{ScalerTest} TestScaler/scale down to minScale after grace period"] = new(10, 0, Inactive(KnativeGracePeriod), 2, MinScale: 2),
        [$"{ScalerTest} TestScaler/observe minScale if reachability unknown"] = new(10, 0, Inactive(KnativeGracePeriod), 2, MinScale: 2),
        [$"{ScalerTest} TestScaler/scales up"] = new(1, 10, TimeSpan.Zero, 10),
        [$"{ScalerTest} TestScaler/scales up to maxScale"] = new(1, 10, TimeSpan.Zero, 8, MaxScale: 8),
        [$"{ScalerTest} TestScaler/scale up inactive revision"] = new(1, 10, Inactive(KnativeGracePeriod / 2), 10),

        // Knative's -1 (no metrics yet) is Hoist's empty window, which averages 0: a service at zero stays there.
        [$"{ScalerTest} TestScaler/does not scale up from zero with no metrics"] = new(0, 0, Inactive(TimeSpan.Zero), 0),
        [$"{ScalerTest} TestScaler/scales up from zero to desired one"] = new(0, 1, TimeSpan.Zero, 1),
        [$"{ScalerTest} TestScaler/scales up from zero to desired high scale"] = new(0, 10, TimeSpan.Zero, 10),
        [$"{ScalerTest} TestScaler/initial scale attained, but now time to scale down"] = new(2, 0, Active(TimeSpan.FromMinutes(2)), 1, InitialScale: 2),
        [$"{ScalerTest} TestScaler/haven't scaled to initial scale, override desired scale with initial scale"] = new(0, 1, TimeSpan.Zero, 2, InitialScale: 2, Holding: true),
        [$"{ScalerTest} TestScaler/initial scale reached for the first time"] = new(5, 1, TimeSpan.Zero, 5, InitialScale: 5, Holding: true),
        [$"{ScalerTest} TestScaler/reaching initial scale zero"] = new(0, 0, Inactive(TimeSpan.Zero), 0, InitialScale: 0),

        // With scale to zero off (Hoist: no grace period and MinScale unset or above 0) the floor is MinScale or one.
        [$"{ScalerTest} TestDisableScaleToZero/EnableScaleToZero == false and minScale == 0"] = new(10, 0, Inactive(KnativeGracePeriod), 1, MinScale: 1),
        [$"{ScalerTest} TestDisableScaleToZero/EnableScaleToZero == false and minScale == 2"] = new(10, 0, Inactive(KnativeGracePeriod), 2, MinScale: 2),
    };

    public static TheoryData<string> ScalerCases => [.. s_scaler.Keys];

    [Theory]
    [MemberData(nameof(ScalerCases))]
    public void Bounds_MatchKnativesScaler(string name)
    {
        var test = s_scaler[name];
        var policy = KnativeDecider(1) with
        {
            StableWindow = KnativeStableWindow,
            ScaleToZeroGracePeriod = KnativeGracePeriod,
            MinScale = test.MinScale,
            MaxScale = test.MaxScale,
            InitialScale = test.InitialScale,
        };

        var (desired, _) = KpaAutoscaler.Bound(policy, test.ScaleTo, "", test.Start, stableAverage: test.ScaleTo, panicAverage: test.ScaleTo, test.Quiet, test.Holding);

        Assert.Equal(test.Want, desired);
    }

    [Fact]
    public void InitialScale_IsHeldAfterAWake_UntilReached_ThenTheNextDecisionMayScaleDown()
    {
        // scaler_test.go "haven't scaled to initial scale" and "initial scale reached for the first time", as the state
        // machine lives them: a wake at zero asks for InitialScale 3; while it starts the load asks for 1.
        var autoscaler = new KpaAutoscaler(ScalingPolicy.From(new AutoscaleSpec { Target = 10, TargetUtilization = 100, InitialScale = 3 }));
        autoscaler.HoldInitialScale();

        Assert.Equal(3, autoscaler.Decide(T0, 0, 5, 5, TimeSpan.Zero).DesiredReplicas);                 // none ready yet
        Assert.Equal(3, autoscaler.Decide(T0.AddSeconds(2), 2, 5, 5, TimeSpan.Zero).DesiredReplicas);   // two of three
        Assert.Equal(3, autoscaler.Decide(T0.AddSeconds(4), 3, 5, 5, TimeSpan.Zero).DesiredReplicas);   // reached on this tick: still held
        Assert.False(autoscaler.HoldingInitialScale);
        Assert.Equal(1, autoscaler.Decide(T0.AddSeconds(6), 3, 5, 5, TimeSpan.Zero).DesiredReplicas);   // max(ceil(5/10), floor(3/2)) = 1
    }

    // ---------------------------------------------------------------------------------------------------------------
    // target_test.go: ResolveMetricTarget's target = max(0.01, total × utilization). Knative's "total" is the target
    // annotation, else containerConcurrency, else the config default; Hoist's Target is that total, and its
    // TargetUtilization the percentage. The expected values are compared exactly, as Knative's test does.
    // ---------------------------------------------------------------------------------------------------------------

    private static readonly Dictionary<string, (double Total, int Utilization, double Want)> s_target = new()
    {
        [$"{TargetTest} TestResolveMetricTarget/defaults"] = (100, 100, 100),
        [$"{TargetTest} TestResolveMetricTarget/default CC + 80% TU"] = (100, 80, 80),
        [$"{TargetTest} TestResolveMetricTarget/non-default CC and TU"] = (2, 30, 0.6),
        [$"{TargetTest} TestResolveMetricTarget/with container concurrency 12 and TU=80%, but TU annotation 75%"] = (12, 75, 9),
        [$"{TargetTest} TestResolveMetricTarget/with container concurrency 10 and TU=80%"] = (10, 80, 8),
        [$"{TargetTest} TestResolveMetricTarget/with container concurrency 1 and TU=80%"] = (1, 80, 0.8),
        [$"{TargetTest} TestResolveMetricTarget/with container concurrency 1"] = (1, 100, 1),
        [$"{TargetTest} TestResolveMetricTarget/with container concurrency 10"] = (10, 100, 10),
        [$"{TargetTest} TestResolveMetricTarget/with target annotation 1"] = (1, 100, 1),

        // Knative's row uses a utilization of 0.1%, which Hoist's whole-percent TargetUtilization cannot write; the same
        // floor at Hoist's smallest target: 0.01 × 70% = 0.007, raised to 0.01 (issue 29's example).
        [$"{TargetTest} TestResolveMetricTarget/with target annotation 1 and TU=0.1%"] = (0.01, 70, 0.01),
        [$"{TargetTest} TestResolveMetricTarget/with target annotation 1 and TU=75%"] = (1, 75, 0.75),
        [$"{TargetTest} TestResolveMetricTarget/with target annotation 10 and TU=75%"] = (10, 75, 7.5),
        [$"{TargetTest} TestResolveMetricTarget/with container concurrency greater than target annotation (ok)"] = (1, 100, 1),
        [$"{TargetTest} TestResolveMetricTarget/with target annotation greater than default (ok)"] = (500, 100, 500),
        [$"{TargetTest} TestResolveMetricTarget/RPS: defaults"] = (200, 70, 140),
        [$"{TargetTest} TestResolveMetricTarget/RPS: with target annotation 1"] = (1, 70, 0.7),
        [$"{TargetTest} TestResolveMetricTarget/RPS: with TU annotation 75%"] = (200, 75, 150),
        [$"{TargetTest} TestResolveMetricTarget/RPS: with target annotation greater than default"] = (300, 70, 210),
    };

    public static TheoryData<string> TargetCases => [.. s_target.Keys];

    /// <summary>
    /// ResolveMetricTarget with a containerConcurrency: on the concurrency metric the target is min(target annotation,
    /// containerConcurrency), and without an annotation (Hoist: Target at its default, whose annotation it leaves out)
    /// containerConcurrency itself; rps ignores it. Target, utilization, metric, limit, and the target per replica.
    /// </summary>
    public static readonly TheoryData<double, int, string, int, double> ContainerConcurrencyTargets = new()
    {
        { 100, 70, "concurrency", 10, 7 },       // derived: 10 × 70%
        { 100, 70, "concurrency", 500, 350 },    // derived, above Knative's default target of 100
        { 4, 100, "concurrency", 8, 4 },         // the annotation is below the limit
        { 50, 100, "concurrency", 8, 8 },        // "with container concurrency greater than target annotation" the other way round: capped
        { 100, 70, "rps", 10, 70 },              // rps: the limit is no target
        { 100, 70, "concurrency", 0, 70 },       // no limit
    };

    [Theory]
    [MemberData(nameof(ContainerConcurrencyTargets))]
    public void TargetPerReplica_WithAContainerConcurrency_MatchesResolveMetricTarget(double target, int utilization, string metric, int limit, double want)
    {
        var spec = new AutoscaleSpec { Target = target, TargetUtilization = utilization, Metric = metric, ContainerConcurrency = limit };
        Assert.Equal(want, ScalingPolicy.From(spec).TargetPerReplica, 9);

        // The controller reads the same settings back from a group's workload annotations, target left out or not.
        var annotations = new Dictionary<string, string>();
        AutoscaleAnnotations.AddTo(annotations, spec, ManifestAnnotations.HoistAutoscalingPrefix, ManifestAnnotations.WorkerGroupClass);
        Assert.Equal(want, ScalingPolicy.From(AutoscaleAnnotations.Read(annotations, ManifestAnnotations.HoistAutoscalingPrefix)!).TargetPerReplica, 9);
        Assert.Equal(ServiceSettingsRules.TargetIsDerived(target, metric, limit), !annotations.ContainsKey(ManifestAnnotations.HoistAutoscalingPrefix + ManifestAnnotations.Target));
    }

    [Theory]
    [MemberData(nameof(TargetCases))]
    public void TargetPerReplica_MatchesResolveMetricTarget(string name)
    {
        var (total, utilization, want) = s_target[name];

        Assert.Equal(want, ServiceSettingsRules.TargetPerReplica(total, utilization));
        Assert.Equal(want, ScalingPolicy.From(new AutoscaleSpec { Target = total, TargetUtilization = utilization }).TargetPerReplica);
    }

    [Fact]
    public void Target7At70Percent_With49InFlight_Wants11_AsKnativeRoundsIt()
    {
        // Knative: target = 7 × 0.7 = 4.8999999999999995, and ceil(49 / 4.8999999999999995) = ceil(10.000000000000002) = 11.
        // Computed as 7 × 70 / 100 it would be exactly 4.9 and ask for 10; the cluster and the local loop must agree.
        var policy = ScalingPolicy.From(new AutoscaleSpec { Target = 7, TargetUtilization = 70 });
        Assert.Equal(4.8999999999999995, policy.TargetPerReplica);

        var decision = new KpaAutoscaler(policy).Decide(T0, 10, 49, 49, TimeSpan.Zero);

        Assert.Equal(11, decision.StableDesired);
        Assert.Equal(11, decision.DesiredReplicas);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // bucketing_test.go: TimedFloat64Buckets with 1 s buckets. Knative adds every value recorded in a second; so does
    // MetricWindow.RecordArrivals (its concurrency samples average instead, as the local sampler takes ten a second of
    // one total). Knative's window is the bucket set's; MetricWindow is given it on each read.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>A write (value at seconds after the start) or a read (the window's average at seconds after the start).</summary>
    public sealed record BucketOp(double At, double? Write = null, double? Want = null, double Window = 5, string? Difference = null);

    private static BucketOp W(double at, double value) => new(at, Write: value);

    private static BucketOp R(double at, double want, double window = 5) => new(at, Want: want, Window: window);

    private static readonly Dictionary<string, BucketOp[]> s_bucketing = new()
    {
        [$"{BucketingTest} TestTimedFloat64BucketsSimple/granularity = 1s"] =
            [W(0, 1), W(0.1, 10), W(1, 1), W(3, 1), R(3, (11.0 + 1 + 0 + 1) / 4, window: 120)],
        [$"{BucketingTest} TestTimedFloat64BucketsManyReps"] =
            [.. Enumerable.Range(0, 5).SelectMany(p => Enumerable.Range(0, 5).Select(t => W(p + 1, p + t))), R(5, 100.0 / 5, window: 60)],
        [$"{BucketingTest} TestTimedFloat64BucketsManyRepsWithNonMonotonicalOrder"] =
            [.. new[] { 0, 3, 2, 1, 4 }.SelectMany((d, p) => Enumerable.Range(0, 5).Select(t => W(d, p + t))), R(4, 100.0 / 5, window: 60)],
        [$"{BucketingTest} TestTimedFloat64BucketsWindowAverage"] =
        [
            W(0, 1), R(0, 1),                                                    // firstWrite: not 0.2
            W(1, 2), W(2, 3), W(3, 4), W(4, 5), R(4, 15.0 / 5),
            R(3.6, 15.0 / 5),                                                    // now lags behind: read at the last write
            new(6, Want: (15.0 - 1 - 2) / (5 - 2), Difference: ShortHole),       // check with short hole
            R(10, 0),                                                            // check with a long hole
            W(6, 91), R(6, (15.0 - 1 - 2 + 91) / 5),                             // write with holes
            W(60, 1984), R(60, 1984),                                            // advance much farther: a new run
            W(57, 4), R(60, (4.0 + 1984) / 4),                                   // an earlier time
            W(61, 5), R(61, (4.0 + 1984 + 5) / 5),                               // one more second
            W(58, 10), R(61, (4.0 + 10 + 1984 + 5) / 5),                         // an earlier time again
            W(55, 10), R(61, (4.0 + 10 + 1984 + 5) / 5),                         // too early: ignored
            W(56, 10), R(61, (4.0 + 10 + 1984 + 5) / 5),                         // at the window's bound: ignored
            W(66, 10), R(66, 10),                                                // exactly a window without data clears it                                                // a whole window without data clears it
        ],
        [$"{BucketingTest} TestDescendingRecord"] = [.. Enumerable.Range(0, 9).Reverse().Select(i => W(i, 5)), R(5, 5)],
        [$"{BucketingTest} TestTimedFloat64BucketsHoles"] = [.. Enumerable.Range(0, 5).Select(i => W(i, i + 1)), R(4, 15.0 / 5), W(8, 2), R(8, 7.0 / 5)],
        [$"{BucketingTest} TestTimedFloat64BucketsResizeWindow"] =
        [
            W(0, 1), W(1, 2), W(2, 3), W(3, 4), W(4, 5), W(5, 6), R(5, (2.0 + 3 + 4 + 5 + 6) / 5),
            W(6, 7), R(6, (2.0 + 3 + 4 + 5 + 6 + 7 - 2 - 3) / 4, window: 4),     // shrunk to 4 s: the last 4 buckets
        ],
    };

    private const string ShortHole =
        "Accepted in issue 29 (the short hole at the window's end): read 2 s after the last write, Knative drops the two "
        + "seconds that will fall out and divides by the three left, (15 - 1 - 2) / 3 = 4; MetricWindow ends the window at "
        + "the last second measured and divides by the whole window, (2 + 3 + 4 + 5) / 5 = 2.8. The loop samples every "
        + "100 ms while a replica runs, so it never reads across such a hole.";

    public static TheoryData<string> BucketingCases => [.. s_bucketing.Keys];

    [Theory]
    [MemberData(nameof(BucketingCases))]
    public void WindowAverages_MatchKnativesBuckets(string name)
    {
        var window = new MetricWindow(TimeSpan.FromMinutes(5));
        var at = 0;
        foreach (var op in s_bucketing[name])
        {
            at++;
            var time = T0.AddSeconds(op.At);
            if (op.Write is { } value)
            {
                window.RecordArrivals(time, (int)value);
                continue;
            }

            var got = window.Average(time, TimeSpan.FromSeconds(op.Window));
            if (op.Difference is null)
            {
                Assert.True(Math.Abs(op.Want!.Value - got) < 1e-6, $"operation {at} (read at {op.At} s over {op.Window} s): Knative {op.Want}, Hoist {got}");
            }
            else
            {
                Assert.NotEqual(op.Want!.Value, got);
            }
        }
    }

    [Fact]
    public void ABurstAtZero_IsAveragedOnItsOwn_AfterAWholeWindowWithoutData()
    {
        // Issue 29: 100 calls wait at zero, target 10. The service ran before and went idle, and nothing was recorded
        // while no replica ran; a window later the burst is a new run, and the first decision asks for all 10.
        var window = new MetricWindow(TimeSpan.FromSeconds(70));
        for (var i = 0; i < 600; i++)
        {
            window.RecordSample(T0.AddMilliseconds(i * 100), 0);              // a minute idle with a replica up
        }

        var burst = T0.AddSeconds(130);                                        // then a minute at zero: nothing recorded
        for (var i = 0; i < 10; i++)
        {
            window.RecordSample(burst.AddMilliseconds(i * 100), 100);
        }

        var policy = ScalingPolicy.From(new AutoscaleSpec { Target = 10, TargetUtilization = 100, MinScale = 0 });
        var now = burst.AddSeconds(1);
        var decision = new KpaAutoscaler(policy).Decide(now, 0, window.Average(now, policy.StableWindow), window.Average(now, policy.PanicWindow), TimeSpan.Zero);

        Assert.Equal(100, decision.StableAverage);
        Assert.Equal(10, decision.DesiredReplicas);
    }

    // What is left out, and why: cases that test something Hoist has no counterpart for.
    public static readonly IReadOnlyDictionary<string, string> NotPorted = new Dictionary<string, string>
    {
        [$"{AutoscalerTest} TestAutoscalerScaleDownDelay, TestAutoscalerScaleDownDelayNotReachable"] = "Hoist has no scale-down-delay setting.",
        [$"{AutoscalerTest} TestAutoscalerNoDataNoAutoscale, TestCantCountPods, TestNewFail"] = "Hoist's loop always has a window (an empty one averages 0) and counts its own replicas: no error path.",
        [$"{AutoscalerTest} TestAutoscalerStartMetrics, TestAutoscalerActivationScale"] = "OpenTelemetry gauges and activation-scale are not Hoist settings; the desired counts of TestAutoscalerMetrics* are ported.",
        [$"{AutoscalerTest} TestAutoscalerScale/AutoscalerStableModeDecreaseNonReachable"] = "Hoist has no revision reachability (no traffic split between revisions).",
        [$"{ScalerTest} TestScaler: custom PA window, proxy-mode SKS, pod retention, activator probe, activation deadline, unreachable revision rows"] =
            "Hoist's activator is always in the path and has no SKS, pod retention or probe; a launch that never becomes ready fails at LaunchTimeout (ScalingLoopTests).",
        [$"{ScalerTest} TestScaler/negative scale does not scale, TestDisableScaleToZero/desire pod is -1"] = "Knative's -1 means no metrics over running pods; Hoist samples every running replica.",
        [$"{TargetTest} TestResolveMetricTarget/with target annotation greater than container concurrency"] = "Hoist sets no containerConcurrency.",
        [$"{BucketingTest} weighted average, 3 s and 5 s granularity, ResizeWindow growth and no-op, roundToNDigits"] =
            "MetricWindow keeps 1 s buckets and a simple average, and any window is read from one history (so a grown window sees seconds Knative's ring had overwritten).",
    };

    [Fact]
    public void TheSuite_KeepsKnativesCases_AndSaysWhyTheRestAreLeftOut()
    {
        Assert.All(NotPorted.Values, reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
        Assert.True(s_autoscaler.Count + s_scaler.Count + s_target.Count + s_bucketing.Count >= 70);
    }

    // Knative's test decider (autoscaler_test.go newTestAutoscalerWithScalingMetric): the target as given, rates of 10,
    // a panic threshold of 2, a 60 s stable window; no MinScale (scale to zero on) and no MaxScale.
    private static ScalingPolicy KnativeDecider(double target, string metric = Metrics.Concurrency) => new()
    {
        Metric = metric,
        TargetPerReplica = target,
        StableWindow = TimeSpan.FromSeconds(60),
        PanicWindow = TimeSpan.FromSeconds(6),
        MinScale = 0,
        MaxScale = 0,
        InitialScale = 1,
        ScaleToZeroGracePeriod = TimeSpan.Zero,
        MaxScaleUpRate = 10,
        MaxScaleDownRate = 10,
    };
}

using Hoist.Autoscaling;

namespace Hoist.Runtime.Tests.Autoscaling;

/// <summary>
/// Tick-by-tick cases worked out from knative/serving's autoscaler.go. Every expected number is written
/// out with the arithmetic that gives it.
/// </summary>
public sealed class KpaAutoscalerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static ScalingPolicy Policy(AutoscaleSpec? spec = null) => ScalingPolicy.From(spec ?? new AutoscaleSpec());

    [Fact]
    public void Policy_DerivesTargetAndWindows_FromTheAttributeDefaults()
    {
        var policy = Policy();

        Assert.Equal(70, policy.TargetPerReplica);                    // 100 × 70 / 100
        Assert.Equal(TimeSpan.FromSeconds(60), policy.StableWindow);
        Assert.Equal(TimeSpan.FromSeconds(6), policy.PanicWindow);    // 10% of 60 s
        Assert.Equal(1, policy.MinScale);                             // MinScale unset, no grace period
        Assert.False(policy.ScaleToZeroEnabled);
    }

    [Fact]
    public void Policy_PanicWindow_IsAtLeastOneSecond()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Policy(new AutoscaleSpec { Window = "6s" }).PanicWindow); // 10% of 6 s is 0.6 s
    }

    [Fact]
    public void Policy_GracePeriod_EnablesScaleToZero_AndOverridesMinScale()
    {
        var policy = Policy(new AutoscaleSpec { MinScale = 2, ScaleToZeroGracePeriod = 60 });

        Assert.Equal(0, policy.MinScale);
        Assert.Equal(TimeSpan.FromSeconds(60), policy.ScaleToZeroGracePeriod);
    }

    [Fact]
    public void StableConcurrency250_AtTarget100And70Percent_Wants4()
    {
        var decision = new KpaAutoscaler(Policy()).Decide(T0, readyReplicas: 4, stableAverage: 250, panicAverage: 250, quietFor: TimeSpan.Zero);

        Assert.Equal(4, decision.StableDesired);   // ceil(250 / 70) = 4
        Assert.False(decision.Panicking);         // ceil(250 / 70) / 4 = 1 < 2
        Assert.Equal(4, decision.DesiredReplicas);
    }

    [Fact]
    public void RpsMetric_UsesTheSameTargetArithmetic()
    {
        var policy = Policy(new AutoscaleSpec { Metric = "rps", Target = 10, TargetUtilization = 100 });

        var decision = new KpaAutoscaler(policy).Decide(T0, 4, stableAverage: 35, panicAverage: 35, TimeSpan.Zero);

        Assert.Equal(4, decision.DesiredReplicas); // ceil(35 / 10)
    }

    [Fact]
    public void TenTimesTheTarget_FromOneReplica_PanicsAndScalesUpAtOnce()
    {
        var autoscaler = new KpaAutoscaler(Policy());

        // A step to 1000 in flight: the panic window sees it first; the stable window barely.
        var decision = autoscaler.Decide(T0, readyReplicas: 1, stableAverage: 100, panicAverage: 1000, TimeSpan.Zero);

        Assert.True(decision.Panicking);          // ceil(1000 / 70) / 1 = 15 ≥ 2
        Assert.Equal(15, decision.PanicDesired);  // ceil(1000 / 70) = 15, under the 1000× rate cap
        Assert.Equal(2, decision.StableDesired);  // ceil(100 / 70) = 2
        Assert.Equal(15, decision.DesiredReplicas);
    }

    [Fact]
    public void PanicMode_NeverScalesDown_UntilAStableWindowPassesWithoutTheTrigger()
    {
        var autoscaler = new KpaAutoscaler(Policy());
        Assert.Equal(10, autoscaler.Decide(T0, 1, stableAverage: 0, panicAverage: 700, TimeSpan.Zero).DesiredReplicas); // ceil(700/70) = 10

        // Two seconds later the surge is over: panic wants ceil(140/70) = 2 of 10 ready (0.2 < 2).
        var holding = autoscaler.Decide(T0.AddSeconds(2), 10, stableAverage: 140, panicAverage: 140, TimeSpan.Zero);
        Assert.True(holding.Panicking);
        Assert.Equal(10, holding.DesiredReplicas);

        // Still inside the 60 s stable window after the last trigger (at T0): still holding.
        Assert.Equal(10, autoscaler.Decide(T0.AddSeconds(60), 10, 140, 140, TimeSpan.Zero).DesiredReplicas);

        // Past it: back to stable mode, where one tick may at most halve: max(ceil(140/70) = 2, floor(10/2) = 5) = 5.
        var calm = autoscaler.Decide(T0.AddSeconds(62), 10, 140, 140, TimeSpan.Zero);
        Assert.False(calm.Panicking);
        Assert.Equal(5, calm.DesiredReplicas);
    }

    [Fact]
    public void ScaleDown_IsLimitedToHalvingPerTick()
    {
        var autoscaler = new KpaAutoscaler(Policy());

        Assert.Equal(5, autoscaler.Decide(T0, 10, stableAverage: 70, panicAverage: 70, TimeSpan.Zero).DesiredReplicas);          // floor(10/2)
        Assert.Equal(2, autoscaler.Decide(T0.AddSeconds(2), 5, 70, 70, TimeSpan.Zero).DesiredReplicas);                         // floor(5/2)
        Assert.Equal(1, autoscaler.Decide(T0.AddSeconds(4), 2, 70, 70, TimeSpan.Zero).DesiredReplicas);                         // ceil(70/70) = 1 = floor(2/2)
    }

    [Fact]
    public void MaxScale_CapsAndMinScale_Raises()
    {
        var capped = new KpaAutoscaler(Policy(new AutoscaleSpec { MaxScale = 10 })).Decide(T0, 100, 7000, 7000, TimeSpan.Zero);
        var raised = new KpaAutoscaler(Policy(new AutoscaleSpec { MinScale = 3 })).Decide(T0, 3, 0, 0, TimeSpan.FromHours(1));

        Assert.Equal(100, capped.StableDesired);  // ceil(7000 / 70)
        Assert.Equal(10, capped.DesiredReplicas);
        Assert.Equal(3, raised.DesiredReplicas);
    }

    [Fact]
    public void WithoutMinScaleOrGracePeriod_NeverGoesBelowOne()
    {
        var decision = new KpaAutoscaler(Policy()).Decide(T0, 1, 0, 0, quietFor: TimeSpan.FromDays(1));

        Assert.Equal(1, decision.DesiredReplicas);
    }

    [Fact]
    public void ScaleToZero_AfterAQuietStableWindowPlusTheGracePeriod()
    {
        var autoscaler = new KpaAutoscaler(Policy(new AutoscaleSpec { ScaleToZeroGracePeriod = 60 }));

        // 60 s stable window + 60 s grace = 120 s of quiet needed.
        Assert.Equal(1, autoscaler.Decide(T0, 1, 0, 0, quietFor: TimeSpan.FromSeconds(60)).DesiredReplicas);
        Assert.Equal(1, autoscaler.Decide(T0.AddSeconds(58), 1, 0, 0, quietFor: TimeSpan.FromSeconds(118)).DesiredReplicas);
        Assert.Equal(0, autoscaler.Decide(T0.AddSeconds(60), 1, 0, 0, quietFor: TimeSpan.FromSeconds(120)).DesiredReplicas);
    }

    [Fact]
    public void MinScaleZero_WithoutGracePeriod_ScalesToZeroAfterAQuietStableWindow()
    {
        var autoscaler = new KpaAutoscaler(Policy(new AutoscaleSpec { MinScale = 0, Window = "10s" }));

        Assert.Equal(1, autoscaler.Decide(T0, 1, 0, 0, TimeSpan.FromSeconds(9)).DesiredReplicas);
        Assert.Equal(0, autoscaler.Decide(T0.AddSeconds(2), 1, 0, 0, TimeSpan.FromSeconds(10)).DesiredReplicas);
    }

    [Fact]
    public void AtZero_AQueuedCall_WakesTheService()
    {
        var autoscaler = new KpaAutoscaler(Policy(new AutoscaleSpec { MinScale = 0 }));

        // One call waits in the activator: the panic window sees concurrency 1 with 0 ready (counted as 1).
        var decision = autoscaler.Decide(T0, readyReplicas: 0, stableAverage: 1.0 / 60, panicAverage: 1.0 / 6, TimeSpan.Zero);

        Assert.Equal(1, decision.DesiredReplicas); // ceil((1/6) / 70) = 1
    }

    [Fact]
    public void Update_ChangesBoundsWithoutRebuildingTheAutoscaler()
    {
        var autoscaler = new KpaAutoscaler(Policy(new AutoscaleSpec { MaxScale = 10 }));
        Assert.Equal(10, autoscaler.Decide(T0, 10, 7000, 700, TimeSpan.Zero).DesiredReplicas);

        autoscaler.Update(Policy(new AutoscaleSpec { MaxScale = 20 }));

        Assert.Equal(20, autoscaler.Decide(T0.AddSeconds(2), 10, 7000, 700, TimeSpan.Zero).DesiredReplicas);
    }
}

using Hoist.Autoscaling;
using Hoist.Backends.Local;

namespace Hoist.Runtime.Tests.Autoscaling;

/// <summary>The local backend's scaling step, tick by tick, with plain values.</summary>
public sealed class ScalingStepTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    [Fact]
    public void Decision_BecomesTheDesiredCount_AndIsRecordedAsApplied()
    {
        var outcome = ScalingStep.Next(new ScalingState(1, false), Seen(ready: 1, decision: Decision(3)));

        Assert.Equal(new ScalingState(3, false), outcome.Next);
        Assert.Equal(3, outcome.Recorded!.DesiredReplicas);
        Assert.False(outcome.TornDownForInactivity);
    }

    [Fact]
    public void DistributedGroup_WhereGroupsDoNotScaleOut_RunsOneGroupAtMost()
    {
        var outcome = ScalingStep.Next(new ScalingState(1, false), Seen(ready: 1, decision: Decision(4), oneGroupAtMost: true));

        Assert.Equal(1, outcome.Next.Desired);
        Assert.Equal(1, outcome.Recorded!.DesiredReplicas);
    }

    [Fact]
    public void DistributedGroup_WhereGroupsScaleOut_TakesTheDecisionInGroups()
    {
        var outcome = ScalingStep.Next(new ScalingState(1, false), Seen(ready: 1, decision: Decision(3)));

        Assert.Equal(3, outcome.Next.Desired);
        Assert.Equal(3, outcome.Recorded!.DesiredReplicas);
    }

    [Fact]
    public void InactivityTtl_TakesTheServiceToZero_ThenStaysThereWhateverTheKpaSays()
    {
        var state = new ScalingState(2, false);

        var quiet = ScalingStep.Next(state, Seen(ready: 2, quietFor: Ttl - TimeSpan.FromSeconds(1), ttl: Ttl, decision: Decision(1)));
        Assert.Equal(new ScalingState(1, false), quiet.Next);

        var expired = ScalingStep.Next(quiet.Next, Seen(ready: 1, quietFor: Ttl, ttl: Ttl, decision: Decision(1)));
        Assert.True(expired.TornDownForInactivity);
        Assert.Equal(new ScalingState(0, true), expired.Next);
        Assert.Equal(0, expired.Recorded!.DesiredReplicas);

        // Gone: the next ticks keep it at zero, and do not report the teardown again.
        var after = ScalingStep.Next(expired.Next, Seen(ready: 0, quietFor: Ttl + TimeSpan.FromSeconds(2), ttl: Ttl, decision: Decision(1)));
        Assert.Equal(new ScalingState(0, true), after.Next);
        Assert.False(after.TornDownForInactivity);
    }

    [Fact]
    public void InactivityTtl_WaitsForQueuedCalls()
    {
        var outcome = ScalingStep.Next(new ScalingState(1, false), Seen(ready: 1, queued: 1, quietFor: Ttl, ttl: Ttl));

        Assert.Equal(new ScalingState(1, false), outcome.Next);
        Assert.False(outcome.TornDownForInactivity);
    }

    [Fact]
    public void WithoutAutoscaling_TheCountStays_UntilInactivityTtl()
    {
        Assert.Equal(new ScalingState(1, false), ScalingStep.Next(new ScalingState(1, false), Seen(ready: 1)).Next);
        Assert.Equal(new ScalingState(0, true), ScalingStep.Next(new ScalingState(1, false), Seen(ready: 1, quietFor: Ttl, ttl: Ttl)).Next);
    }

    [Fact]
    public void WokenFromZero_KeepsWhatTheWakeAskedFor_WhileTheFirstReplicaStarts()
    {
        // The KPA has seen no traffic yet and would say zero; the call waiting in the activator needs the replica.
        var starting = ScalingStep.Next(new ScalingState(1, false), Seen(ready: 0, starting: 1, decision: Decision(0)));
        Assert.Equal(1, starting.Next.Desired);
        Assert.Equal(0, starting.Recorded!.DesiredReplicas);

        // Once it is ready the KPA decides again.
        Assert.Equal(0, ScalingStep.Next(starting.Next, Seen(ready: 1, decision: Decision(0))).Next.Desired);
    }

    [Fact]
    public void Wake_AsksForInitialScale_InGroupsToo_OrOneGroupWhereGroupsDoNotScaleOut()
    {
        var autoscaled = new ServiceDescriptor
        {
            Name = "s",
            Kind = ServiceKind.Method,
            DeclaringType = "T",
            AssemblyName = "A",
            Methods = ["M"],
            Autoscale = new AutoscaleSpec { InitialScale = 3 },
        };

        var group = autoscaled with { Distribution = new DistributionSpec { Type = "pytorch", Workers = 4 } };

        Assert.Equal(3, ScalingStep.Wake(new ScalingState(0, true), autoscaled, oneGroupAtMost: false));
        Assert.Equal(3, ScalingStep.Wake(new ScalingState(0, false), group, oneGroupAtMost: false));
        Assert.Equal(1, ScalingStep.Wake(new ScalingState(0, false), group, oneGroupAtMost: true));
        Assert.Equal(2, ScalingStep.Wake(new ScalingState(2, false), autoscaled, oneGroupAtMost: false));
        Assert.Equal(1, ScalingStep.Wake(new ScalingState(0, false), autoscaled with { Autoscale = new AutoscaleSpec { InitialScale = 0, MinScale = 0 } }, oneGroupAtMost: false));
    }

    private static ScalingObservation Seen(
        int ready, int starting = 0, int queued = 0, TimeSpan? quietFor = null, TimeSpan? ttl = null, bool oneGroupAtMost = false, ScaleDecision? decision = null) =>
        new(ready, starting, queued, quietFor ?? TimeSpan.Zero, ttl, oneGroupAtMost, decision);

    private static ScaleDecision Decision(int desired) => new()
    {
        At = DateTimeOffset.UnixEpoch,
        ReadyReplicas = 1,
        StableAverage = 0,
        PanicAverage = 0,
        StableDesired = desired,
        PanicDesired = desired,
        Panicking = false,
        MinScale = 0,
        MaxScale = 0,
        DesiredReplicas = desired,
        Reason = "test",
    };
}

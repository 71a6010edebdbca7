using Hoist.Autoscaling;
using Microsoft.Extensions.Time.Testing;

namespace Hoist.Runtime.Tests.Autoscaling;

/// <summary>The autoscaling loop's decisions every backend shares, tick by tick on a fake clock.</summary>
public sealed class ServiceScalerTests
{
    private static readonly TimeSpan Tick = ScalingPolicy.TickInterval;

    private static ServiceDescriptor Group(int grace = 60, string? ttl = null) => new()
    {
        Name = "train",
        Kind = ServiceKind.Method,
        DeclaringType = "T",
        AssemblyName = "A",
        Methods = ["Train"],
        Compute = new ComputeSpec { InactivityTtl = ttl },
        Distribution = new DistributionSpec { Type = "pytorch", Workers = 4 },
        Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = grace },
    };

    [Fact]
    public void DistributedGroup_ScalesToZero_AfterAQuietWindowAndTheGracePeriod_AndWakesWhole()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var scaler = new ServiceScaler(Group(grace: 60));
        Assert.Equal(new ScalingChange(0, 1, false), scaler.Wake());   // a call woke it: one group, every rank

        // A call in flight for the first 10 s, then nothing. Zero needs the 60 s window plus the 60 s grace period.
        var lastCall = time.GetUtcNow() + TimeSpan.FromSeconds(10);
        var wentToZeroAt = TimeSpan.Zero;
        for (var elapsed = Tick; elapsed <= TimeSpan.FromSeconds(200); elapsed += Tick)
        {
            time.Advance(Tick);
            var now = time.GetUtcNow();
            var busy = now <= lastCall;
            var quiet = busy ? TimeSpan.Zero : now - lastCall;
            var outcome = scaler.Tick(now, new ScalingLoad(Ready: scaler.Desired, Starting: 0, Queued: 0, quiet, busy ? 1 : 0, busy ? 1 : 0));
            Assert.InRange(outcome.Recorded!.DesiredReplicas, 0, 1);        // never more than one group
            if (scaler.Desired == 0)
            {
                wentToZeroAt = elapsed;
                break;
            }
        }

        Assert.Equal(TimeSpan.FromSeconds(130), wentToZeroAt);           // 10 s of calls + 60 s window + 60 s grace
        Assert.StartsWith("scale to zero", scaler.Decisions.Last().Reason, StringComparison.Ordinal);

        Assert.Equal(new ScalingChange(0, 1, false), scaler.Wake());
        Assert.Equal(1, scaler.Desired);
    }

    [Fact]
    public void GroupsThatScaleOut_CountConcurrencyPerGroup_WakeToInitialScale_AndStopAtMaxScale()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var pool = Group(grace: 60) with { Autoscale = new AutoscaleSpec { Target = 1, TargetUtilization = 100, MaxScale = 3, InitialScale = 2, ScaleToZeroGracePeriod = 60 } };
        var scaler = new ServiceScaler(pool, groupsScaleOut: true);

        Assert.Equal(new ScalingChange(0, 2, false), scaler.Wake());   // InitialScale, in whole groups

        // One group ready, one starting, no traffic measured yet: InitialScale holds.
        time.Advance(Tick);
        scaler.Tick(time.GetUtcNow(), new ScalingLoad(Ready: 1, Starting: 1, Queued: 0, TimeSpan.Zero, StableAverage: 0, PanicAverage: 0));
        Assert.Equal(2, scaler.Desired);

        // Six calls in flight at one per group: six groups wanted, three allowed.
        time.Advance(Tick);
        scaler.Tick(time.GetUtcNow(), new ScalingLoad(Ready: 2, Starting: 0, Queued: 0, TimeSpan.Zero, StableAverage: 6, PanicAverage: 6));
        Assert.Equal(3, scaler.Desired);
        Assert.Equal(3, scaler.Decisions.Last().DesiredReplicas);
    }

    [Fact]
    public void InactivityTtl_TearsDown_AndOnlyAWakeBringsItBack()
    {
        var time = new FakeTimeProvider();
        var scaler = new ServiceScaler(Group(grace: 60) with { Autoscale = new AutoscaleSpec { MinScale = 1 } } with { Compute = new ComputeSpec { InactivityTtl = "30s" } }, desired: 1);

        ScalingOutcome outcome;
        var quiet = TimeSpan.Zero;
        do
        {
            time.Advance(Tick);
            quiet += Tick;
            outcome = scaler.Tick(time.GetUtcNow(), new ScalingLoad(1, 0, 0, quiet, 0, 0));
        }
        while (!outcome.TornDownForInactivity);

        Assert.Equal(TimeSpan.FromSeconds(30), quiet);
        Assert.Equal(0, scaler.Desired);
        Assert.True(scaler.IdleTornDown);

        // MinScale 1 would keep a replica; a teardown holds it at zero until a call comes.
        time.Advance(Tick);
        scaler.Tick(time.GetUtcNow(), new ScalingLoad(0, 0, 0, quiet + Tick, 0, 0));
        Assert.Equal(0, scaler.Desired);

        Assert.Equal(new ScalingChange(0, 1, true), scaler.Wake());
        Assert.False(scaler.IdleTornDown);
    }

    [Fact]
    public void Refresh_ReturnsThePolicy_OnlyWhenTheKpaSettingsChanged()
    {
        var descriptor = Group(grace: 60);
        var scaler = new ServiceScaler(descriptor);

        Assert.Null(scaler.Refresh(descriptor));
        Assert.Null(scaler.Refresh(descriptor with { Compute = new ComputeSpec { InactivityTtl = "1h" } }));
        Assert.Equal(TimeSpan.FromHours(1), scaler.InactivityTtl);

        var changed = scaler.Refresh(descriptor with { Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = 60, MaxScale = 3 } });
        Assert.Equal(3, changed!.MaxScale);
        Assert.Equal(3, scaler.Policy!.MaxScale);
    }

    [Fact]
    public void Decisions_KeepTheLatest_Bounded()
    {
        var time = new FakeTimeProvider();
        var scaler = new ServiceScaler(Group(), desired: 1);
        for (var i = 0; i < ServiceScaler.DecisionsKept + 10; i++)
        {
            time.Advance(Tick);
            scaler.Tick(time.GetUtcNow(), new ScalingLoad(1, 0, 0, TimeSpan.Zero, 1, 1));
        }

        Assert.Equal(ServiceScaler.DecisionsKept, scaler.Decisions.Count);
        Assert.Equal(time.GetUtcNow(), scaler.Decisions.Last().At);
    }

    [Fact]
    public void Rest_TakesTheDesiredCountToZero_WithoutCountingAsAnInactivityTeardown()
    {
        var scaler = new ServiceScaler(Group(), desired: 1);

        scaler.Rest();

        Assert.Equal(0, scaler.Desired);
        Assert.False(scaler.IdleTornDown);
    }
}

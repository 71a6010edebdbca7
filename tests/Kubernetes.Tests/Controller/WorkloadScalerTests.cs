using Hoist.Client;
using Hoist.Autoscaling;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Manifests;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// The in-cluster controller's decisions, tick by tick on a fake clock, for workloads exactly as the renderer writes
/// them (so the annotations the controller reads are the ones the manifests carry).
/// </summary>
public sealed class WorkloadScalerTests
{
    private static readonly TimeSpan Tick = ScalingPolicy.TickInterval;

    // The seed's example: .distribute("pytorch", workers=4, scale_to_zero_grace_period=60).
    private static ServiceDescriptor Seed() => Descriptors.Distributed(workers: 4) with
    {
        Compute = Descriptors.Plain().Compute with { InactivityTtl = null },
        Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = 60 },
    };

    private static V1StatefulSet RenderedSet(ServiceDescriptor descriptor) =>
        ManifestRenderer.Render(descriptor, Descriptors.Options).OfType<V1StatefulSet>().Single();

    private static V1Deployment RenderedDeployment(ServiceDescriptor descriptor) =>
        ManifestRenderer.Render(descriptor, Descriptors.Options).OfType<V1Deployment>().Single();

    private static ScaledWorkload Observed(V1StatefulSet set, int replicas, int ready)
    {
        set.Spec.Replicas = replicas;
        set.Status = new V1StatefulSetStatus { Replicas = replicas, ReadyReplicas = ready };
        return WorkloadKinds.StatefulSet.ScaledOf(set)!;
    }

    [Fact]
    public void RenderedGroup_IsReadBack_WithItsSettingsAndGroupSize()
    {
        var workload = WorkloadKinds.StatefulSet.ScaledOf(RenderedSet(Seed()))!;

        Assert.Equal(WorkloadKinds.StatefulSet.Resource, workload.Kind);
        Assert.Equal(("ml", "train", 4, 4), (workload.Namespace, workload.Name, workload.GroupSize, workload.SpecReplicas));
        Assert.Equal("pytorch", workload.Descriptor.Distribution!.Type);
        Assert.Equal(ScalingPolicy.From(Seed().Autoscale!), ScalingPolicy.From(workload.Descriptor.Autoscale!));
    }

    [Fact]
    public void RenderedGroup_IsReadBack_WithItsScaleDownDelayAndContainerConcurrency()
    {
        var seed = Seed() with { Autoscale = Seed().Autoscale! with { ScaleDownDelay = "5m", ContainerConcurrency = 2 } };

        var policy = ScalingPolicy.From(WorkloadKinds.StatefulSet.ScaledOf(RenderedSet(seed))!.Descriptor.Autoscale!);

        Assert.Equal(ScalingPolicy.From(seed.Autoscale!), policy);
        Assert.Equal(TimeSpan.FromMinutes(5), policy.ScaleDownDelay);
        Assert.Equal(1.4, policy.TargetPerReplica, 9);   // 2 calls at once × 70%
    }

    [Fact]
    public void GroupAtZero_KeepsItsSize_FromTheRanksWorldSize()
    {
        var workload = Observed(RenderedSet(Seed()), replicas: 0, ready: 0);

        Assert.Equal(4, workload.GroupSize);
    }

    [Fact]
    public void Workloads_WithNothingToScaleBy_AreLeftAlone()
    {
        var plainNoTtl = Descriptors.Plain() with { Compute = Descriptors.Plain().Compute with { InactivityTtl = null } };
        var groupNoAutoscale = Descriptors.Distributed() with { Compute = plainNoTtl.Compute };

        Assert.Null(WorkloadKinds.Deployment.ScaledOf(RenderedDeployment(plainNoTtl)));
        Assert.Null(WorkloadKinds.StatefulSet.ScaledOf(RenderedSet(groupNoAutoscale)));
        Assert.NotNull(WorkloadKinds.Deployment.ScaledOf(RenderedDeployment(Descriptors.Plain())));     // InactivityTtl 30m
        Assert.NotNull(WorkloadKinds.StatefulSet.ScaledOf(RenderedSet(Descriptors.Distributed())));      // InactivityTtl 30m, no [Autoscale]
    }

    [Fact]
    public void SeedGroup_ScalesToZeroAfterItsGracePeriod_AndComesBackWhole()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var set = RenderedSet(Seed());
        var lastCall = time.GetUtcNow();
        var scaler = new WorkloadScaler(Observed(set, replicas: 4, ready: 4));

        // Quiet from the start: every rank stays until the 60 s window and the 60 s grace period have passed.
        WorkloadVerdict verdict;
        var elapsed = TimeSpan.Zero;
        do
        {
            time.Advance(Tick);
            elapsed += Tick;
            verdict = scaler.Tick(time.GetUtcNow(), Observed(set, replicas: 4, ready: 4), lastCall);
        }
        while (verdict.SetReplicas is null && elapsed < TimeSpan.FromMinutes(5));

        Assert.Equal(TimeSpan.FromSeconds(120), elapsed);
        Assert.Equal(0, verdict.SetReplicas);                                       // all four ranks at once

        // At zero, ticks with no call change nothing.
        time.Advance(Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, replicas: 0, ready: 0), lastCall).SetReplicas);

        // A caller renews the activity Lease: the group comes back whole, and stays while its ranks start.
        time.Advance(Tick);
        lastCall = time.GetUtcNow();
        var woken = scaler.Tick(time.GetUtcNow(), Observed(set, replicas: 0, ready: 0), lastCall);
        Assert.True(woken.Woken);
        Assert.Equal(4, woken.SetReplicas);

        time.Advance(Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, replicas: 4, ready: 2), lastCall).SetReplicas);
        time.Advance(Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, replicas: 4, ready: 4), lastCall).SetReplicas);
    }

    [Fact]
    public void GroupAtZero_AppliedAgainByACaller_IsNotTakenStraightBackDown()
    {
        // A client that finds the group at zero applies it again (replicas: 4) before its calls renew the Lease.
        var time = new FakeTimeProvider();
        var set = RenderedSet(Seed());
        var longAgo = time.GetUtcNow();
        time.Advance(TimeSpan.FromHours(1));
        var scaler = new WorkloadScaler(Observed(set, replicas: 4, ready: 4));
        Assert.Equal(0, scaler.Tick(time.GetUtcNow(), Observed(set, 4, 4), longAgo).SetReplicas);

        time.Advance(Tick);
        var reapplied = scaler.Tick(time.GetUtcNow(), Observed(set, replicas: 4, ready: 0), longAgo);

        Assert.True(reapplied.Woken);
        Assert.Null(reapplied.SetReplicas);                                        // left at 4 while the ranks start
    }

    [Fact]
    public void ControllerStartedWithTheGroupAtZero_StillWakesIt_OnAReapplyOrACallersActivity()
    {
        var time = new FakeTimeProvider();
        var set = RenderedSet(Seed());
        var longAgo = time.GetUtcNow();
        time.Advance(TimeSpan.FromHours(1));

        var reapplied = new WorkloadScaler(Observed(set, replicas: 0, ready: 0));
        Assert.Null(reapplied.Tick(time.GetUtcNow(), Observed(set, 0, 0), longAgo).SetReplicas);
        time.Advance(Tick);
        var woken = reapplied.Tick(time.GetUtcNow(), Observed(set, replicas: 4, ready: 0), longAgo);
        Assert.True(woken.Woken);
        Assert.Null(woken.SetReplicas);

        var renewed = new WorkloadScaler(Observed(set, replicas: 0, ready: 0));
        Assert.Null(renewed.Tick(time.GetUtcNow(), Observed(set, 0, 0), longAgo).SetReplicas);
        time.Advance(Tick);
        Assert.Equal(4, renewed.Tick(time.GetUtcNow(), Observed(set, 0, 0), time.GetUtcNow()).SetReplicas);
    }

    [Fact]
    public void PlainDeployment_GoesToZero_AfterItsInactivityTtl_WithNoClientRunning()
    {
        var time = new FakeTimeProvider();
        var deployment = RenderedDeployment(Descriptors.Plain());                  // InactivityTtl 30m
        deployment.Status = new V1DeploymentStatus { ReadyReplicas = 1 };
        var workload = WorkloadKinds.Deployment.ScaledOf(deployment)!;
        var lastCall = time.GetUtcNow();
        var scaler = new WorkloadScaler(workload);

        time.Advance(TimeSpan.FromMinutes(30) - Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), workload, lastCall).SetReplicas);

        time.Advance(Tick);
        var expired = scaler.Tick(time.GetUtcNow(), workload, lastCall);
        Assert.True(expired.TornDownForInactivity);
        Assert.Equal(0, expired.SetReplicas);
    }

    [Fact]
    public void GroupWithACallInFlight_StaysUp_HoweverLongTheCallRuns()
    {
        // Nobody renews the Lease while one long call runs (a 10-minute training step): the pods' own count keeps the group.
        var time = new FakeTimeProvider();
        var set = RenderedSet(Seed());
        var lastCall = time.GetUtcNow();
        var scaler = new WorkloadScaler(Observed(set, replicas: 4, ready: 4), time);

        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(10); elapsed += Tick)
        {
            time.Advance(Tick);
            Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 4, 4), lastCall, inFlight: 1).SetReplicas);
        }

        // The call ends: now the window and the grace period run from its end, not from the last Lease renewal.
        var ended = time.GetUtcNow();
        WorkloadVerdict verdict;
        do
        {
            time.Advance(Tick);
            verdict = scaler.Tick(time.GetUtcNow(), Observed(set, 4, 4), lastCall, inFlight: 0);
        }
        while (verdict.SetReplicas is null && time.GetUtcNow() - ended < TimeSpan.FromMinutes(5));

        Assert.Equal(0, verdict.SetReplicas);
        Assert.Equal(TimeSpan.FromSeconds(120), time.GetUtcNow() - ended);
    }

    [Fact]
    public void PodsThatDoNotReportTheirLoad_CountAsBusy_NotIdle()
    {
        var time = new FakeTimeProvider();
        var set = RenderedSet(Seed());
        var lastCall = time.GetUtcNow();
        var scaler = new WorkloadScaler(Observed(set, replicas: 4, ready: 4), time);

        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(5); elapsed += Tick)
        {
            time.Advance(Tick);
            Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 4, 4), lastCall, inFlight: null).SetReplicas);
        }
    }

    [Fact]
    public async Task ActivatorCall_WakesTheGroupAtZero_AndIsReleasedWhenEveryRankIsReady()
    {
        var time = new FakeTimeProvider();
        var set = RenderedSet(Seed());
        var longAgo = time.GetUtcNow();
        time.Advance(TimeSpan.FromHours(1));
        var scaler = new WorkloadScaler(Observed(set, replicas: 0, ready: 0), time);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 0, 0), longAgo).SetReplicas);

        var held = scaler.WaitForReadyAsync(time.GetUtcNow(), CancellationToken.None, out var woke);

        Assert.Equal(4, woke);                                                     // the controller sets all four ranks at once
        Assert.Equal(1, scaler.Queued);
        time.Advance(Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 4, 3), longAgo).SetReplicas);
        Assert.False(held.IsCompleted);                                            // three of four ranks is not a group

        time.Advance(Tick);
        scaler.Tick(time.GetUtcNow(), Observed(set, 4, 4), longAgo);
        var workload = await held.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4, workload.ReadyReplicas);

        // A ready group answers at once, and asks for nothing.
        var again = scaler.WaitForReadyAsync(time.GetUtcNow(), CancellationToken.None, out var none);
        Assert.True(again.IsCompletedSuccessfully);
        Assert.Null(none);
    }

    // Issue 26's "done when": [Autoscale(Target = 1, MaxScale = 3)] on a 2-rank pytorch group.
    private static ServiceDescriptor Groups() => Descriptors.Distributed(workers: 2) with
    {
        Compute = Descriptors.Plain().Compute with { InactivityTtl = null },
        Autoscale = new AutoscaleSpec { Target = 1, MaxScale = 3 },
    };

    [Fact]
    public void GroupsThatScaleOut_AreReadBack_AsOrdinalBlocks_CountingWholeReadyBlocks()
    {
        var set = RenderedSet(Groups());

        Assert.True(Observed(set, 2, 2).GroupsScaleOut);
        Assert.Equal(2, Observed(set, 2, 2).GroupSize);
        Assert.Equal((0, 1, 2, 3), (Observed(set, 6, 1).ReadyGroups, Observed(set, 6, 3).ReadyGroups, Observed(set, 6, 5).ReadyGroups, Observed(set, 6, 6).ReadyGroups));

        // With the pods read, the whole blocks: ranks 0 and 2 ready (two pods) is no group; 2 and 3 is group 1.
        Assert.Equal(0, ScaledWorkload.WholeGroups(["train-0", "train-2"], "train", 2));
        Assert.Equal(1, ScaledWorkload.WholeGroups(["train-0", "train-2", "train-3", "other-1"], "train", 2));
        Assert.Equal(0, (Observed(set, 4, 2) with { ReadyBlocks = 0 }).ReadyGroups);

        // A group service held at one group (MaxScale 1), or rendered before groups scaled out, stays one group.
        Assert.False(Observed(RenderedSet(Groups() with { Autoscale = Groups().Autoscale! with { MaxScale = 1 } }), 2, 2).GroupsScaleOut);
    }

    [Fact]
    public void GroupsThatScaleOut_SixCallsOnOneGroup_ScaleToThreeWholeGroups_AndBack()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var set = RenderedSet(Groups());
        var scaler = new WorkloadScaler(Observed(set, replicas: 2, ready: 2), time);

        // Six calls, each on both ranks of the one group: the pods report 12 in flight, which is 6 calls to the KPA.
        var verdicts = new List<int>();
        for (var tick = 0; tick < 10 && verdicts.Count == 0; tick++)
        {
            time.Advance(Tick);
            if (scaler.Tick(time.GetUtcNow(), Observed(set, 2, 2), time.GetUtcNow(), inFlight: 12).SetReplicas is { } replicas)
            {
                verdicts.Add(replicas);
            }
        }

        Assert.Equal([6], verdicts);                                                // three whole groups: MaxScale, never more, never half a group

        // While the new groups start, nothing changes; the third block's first rank alone is not a group.
        time.Advance(Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 6, 5), time.GetUtcNow(), inFlight: 12).SetReplicas);
        Assert.Equal((2, 1), (scaler.Observe().Ready, scaler.Observe().Starting));
        time.Advance(Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 6, 6), time.GetUtcNow(), inFlight: 12).SetReplicas);
        Assert.Equal(3, scaler.Observe().Ready);

        // The calls end and nobody calls: the groups go in whole groups, down to MinScale (1 without a grace period).
        var quietSince = time.GetUtcNow();
        var down = new List<int>();
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(5); elapsed += Tick)
        {
            time.Advance(Tick);
            var replicas = down.Count == 0 ? 6 : down[^1];
            if (scaler.Tick(time.GetUtcNow(), Observed(set, replicas, replicas), quietSince, inFlight: 0).SetReplicas is { } lower)
            {
                down.Add(lower);
            }
        }

        Assert.NotEmpty(down);
        Assert.All(down, replicas => Assert.Equal(0, replicas % 2));
        Assert.Equal(2, down[^1]);                                                  // MinScale 1: one whole group stays
    }

    [Fact]
    public async Task GroupsThatScaleOut_ActivatorReleasesACall_OnceOneWholeGroupIsReady()
    {
        var time = new FakeTimeProvider();
        var set = RenderedSet(Groups() with { Autoscale = Groups().Autoscale! with { InitialScale = 2, ScaleToZeroGracePeriod = 60 } });
        var longAgo = time.GetUtcNow();
        time.Advance(TimeSpan.FromHours(1));
        var scaler = new WorkloadScaler(Observed(set, replicas: 0, ready: 0), time);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 0, 0), longAgo).SetReplicas);

        var held = scaler.WaitForReadyAsync(time.GetUtcNow(), CancellationToken.None, out var woke);

        Assert.Equal(4, woke);                                                     // InitialScale: two groups of two ranks
        time.Advance(Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 4, 1), longAgo).SetReplicas);
        Assert.False(held.IsCompleted);                                            // one rank is not a group

        time.Advance(Tick);
        Assert.Null(scaler.Tick(time.GetUtcNow(), Observed(set, 4, 2), longAgo).SetReplicas);
        var workload = await held.WaitAsync(TimeSpan.FromSeconds(5));              // one whole group serves while the other starts
        Assert.Equal(1, workload.ReadyGroups);
    }

    [Fact]
    public async Task ActivatorCall_ToAGroupThatNeverStarts_FailsWithTheLaunchDiagnosis_AtItsLaunchTimeout()
    {
        var time = new FakeTimeProvider();
        var descriptor = Seed() with { Compute = Seed().Compute with { LaunchTimeout = 30 } };
        var set = RenderedSet(descriptor);
        var scaler = new WorkloadScaler(Observed(set, replicas: 0, ready: 0), time);
        Assert.Equal(30, scaler.Workload.Descriptor.Compute.LaunchTimeout);      // read back from hoist.dev/launch-timeout

        var held = scaler.WaitForReadyAsync(time.GetUtcNow(), CancellationToken.None, out var woke);
        Assert.Equal(4, woke);
        time.Advance(Tick);
        scaler.Tick(time.GetUtcNow(), Observed(set, 4, 0), time.GetUtcNow());
        for (var waited = Tick; waited < TimeSpan.FromSeconds(30); waited += Tick)
        {
            Assert.False(scaler.LaunchOverdue(time.GetUtcNow()));
            time.Advance(Tick);
            scaler.Tick(time.GetUtcNow(), Observed(set, 4, 0), time.GetUtcNow());
        }

        Assert.True(scaler.LaunchOverdue(time.GetUtcNow()));
        scaler.FailLaunch(new WorkerLaunchException("train", "train-0", "Service 'train' was not ready within its launch timeout of 30 s: ImagePullBackOff", "", null));

        var failure = await Assert.ThrowsAsync<WorkerLaunchException>(() => held.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("ImagePullBackOff", failure.Message);

        // Nobody waits any more: once quiet for its window and grace period, the failed group goes back to zero
        // instead of crash-looping, until the next call wakes it.
        var failedAt = time.GetUtcNow();
        WorkloadVerdict verdict;
        do
        {
            time.Advance(Tick);
            verdict = scaler.Tick(time.GetUtcNow(), Observed(set, 4, 0), failedAt);
        }
        while (verdict.SetReplicas is null && time.GetUtcNow() - failedAt < TimeSpan.FromMinutes(5));

        Assert.Equal(0, verdict.SetReplicas);
    }

    [Fact]
    public async Task CallsHeldForAWorkloadThatIsDeleted_FailAtOnce_SayingSo()
    {
        var time = new FakeTimeProvider();
        var set = RenderedSet(Seed());
        var scaler = new WorkloadScaler(Observed(set, replicas: 0, ready: 0), time);
        var held = scaler.WaitForReadyAsync(time.GetUtcNow(), CancellationToken.None, out var woke);
        Assert.Equal(4, woke);

        // kubectl delete (or hoist teardown): the next tick no longer lists it, and the controller removes its scaler.
        set.Metadata.DeletionTimestamp = time.GetUtcNow().UtcDateTime;
        Assert.Null(WorkloadKinds.StatefulSet.ScaledOf(set));
        scaler.Remove();

        var failure = await Assert.ThrowsAsync<WorkerLaunchException>(() => held.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("was deleted", failure.Message, StringComparison.Ordinal);
        Assert.Contains("StatefulSet", failure.Message, StringComparison.Ordinal);
    }
}

using Grpc.Core;
using Hoist.Autoscaling;
using Hoist.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Hoist.Runtime.Tests.Autoscaling;

/// <summary>
/// The scaling loop both backends run, driven by hand on a fake clock, with an actuator that keeps count the way the
/// local backend and the controller do: what the activator does with waiting calls, and how load reaches the KPA.
/// </summary>
public sealed class ScalingLoopTests
{
    private static readonly TimeSpan Tick = ScalingPolicy.TickInterval;

    private static ServiceDescriptor Service(int launchTimeout = 30, AutoscaleSpec? autoscale = null) => new()
    {
        Name = "resize",
        Kind = ServiceKind.Method,
        DeclaringType = "T",
        AssemblyName = "A",
        Methods = ["Resize"],
        Compute = new ComputeSpec { LaunchTimeout = launchTimeout },
        Autoscale = autoscale ?? new AutoscaleSpec { ScaleToZeroGracePeriod = 0, Window = "6s" },
    };

    /// <summary>Replicas that start when asked and become ready when the test says so.</summary>
    private sealed class Replicas(ScalingLoop<string> loop) : IScalingActuator
    {
        public int Ready { get; private set; }

        public int Starting { get; private set; }

        public int InFlight { get; set; }

        public List<int> Asked { get; } = [];

        public ReplicaCount Observe() => new(Ready, Starting, InFlight);

        public void Scale(int desired)
        {
            Asked.Add(desired);
            Starting = Math.Max(0, desired - Ready);
            if (desired < Ready)
            {
                Ready = desired;
                loop.Publish(Ready > 0 ? "ready" : null);
            }
        }

        public void StartAll()
        {
            lock (loop.Gate)
            {
                Ready += Starting;
                Starting = 0;
                loop.Publish(Ready > 0 ? "ready" : null);
            }
        }
    }

    private static (ScalingLoop<string> Loop, Replicas Replicas) Create(FakeTimeProvider time, int queueLimit = 10, int launchTimeout = 30, AutoscaleSpec? autoscale = null)
    {
        var loop = new ScalingLoop<string>(Service(launchTimeout, autoscale), () => Service(launchTimeout, autoscale), new ActivatorLimits(queueLimit, "Test:QueueLimit"), time, NullLogger.Instance, timed: false);
        var replicas = new Replicas(loop);
        loop.Drive(replicas);
        return (loop, replicas);
    }

    [Fact]
    public async Task CallsAtZero_WaitInTheActivator_WakeTheService_AndAreReleasedTogether()
    {
        var time = new FakeTimeProvider();
        var (loop, replicas) = Create(time);

        var first = loop.WaitForReadyAsync(CancellationToken.None);
        var second = loop.WaitForReadyAsync(CancellationToken.None);

        Assert.Equal([1, 1], replicas.Asked);                                       // woken once; the second finds it starting
        Assert.Equal(2, loop.Queued);
        Assert.False(first.IsCompleted);

        replicas.StartAll();
        Assert.Equal(["ready", "ready"], await Task.WhenAll(first, second));
        Assert.Equal(0, loop.Queued);
    }

    [Fact]
    public async Task ActivatorQueue_RefusesPastItsLimit_NamingTheSetting_AndQueuesNothing()
    {
        var time = new FakeTimeProvider();
        var (loop, _) = Create(time, queueLimit: 1);
        _ = loop.WaitForReadyAsync(CancellationToken.None);

        var refused = await Assert.ThrowsAsync<CallRejectedException>(() => loop.WaitForReadyAsync(CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Test:QueueLimit", refused.Message);
        Assert.Equal(1, loop.Queued);
    }

    [Fact]
    public async Task FailedLaunch_FailsEveryWaitingCall_WithItsReason_AndTheServiceRests()
    {
        var time = new FakeTimeProvider();
        var (loop, _) = Create(time);
        var waiting = loop.WaitForReadyAsync(CancellationToken.None);

        lock (loop.Gate)
        {
            loop.LaunchFailed(new WorkerLaunchException("resize", null, "image not found", "", null), noneReady: true);
        }

        var failure = await Assert.ThrowsAsync<WorkerLaunchException>(() => waiting);
        Assert.Equal("image not found", failure.Message);
        Assert.Equal(0, loop.Desired);
    }

    [Fact]
    public async Task ALaunchThatNeverReports_FailsTheCall_AfterLaunchTimeoutAndTheBackstop()
    {
        var time = new FakeTimeProvider();
        var (loop, _) = Create(time, launchTimeout: 30);
        var waiting = loop.WaitForReadyAsync(CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(30) + ScalingLoop<string>.LaunchBackstop);

        var failure = await Assert.ThrowsAsync<WorkerLaunchException>(() => waiting);
        Assert.Contains("launch timeout of 30 s", failure.Message);
        Assert.Contains("was not sent", failure.Message);
    }

    [Fact]
    public async Task CallsInFlight_KeepTheServiceUp_AndAReplicaThatCannotSay_CountsAsBusy()
    {
        var time = new FakeTimeProvider();
        var (loop, replicas) = Create(time);
        var held = loop.WaitForReadyAsync(CancellationToken.None);
        replicas.StartAll();

        // Released, and out of the queue (its continuation runs on the thread pool): a queued call is load too.
        await held;
        Assert.Equal(0, loop.Queued);

        // Busy, then unknown, for a minute: the 6 s window never sees the service quiet.
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(1); elapsed += Tick)
        {
            time.Advance(Tick);
            loop.RecordConcurrency(time.GetUtcNow(), elapsed < TimeSpan.FromSeconds(30) ? 1 : null);
            loop.Tick(time.GetUtcNow());
            Assert.Equal(1, loop.Desired);
        }

        // Idle from here: zero once the window has passed with no call (grace period 0).
        var idleFrom = time.GetUtcNow();
        while (loop.Desired > 0 && time.GetUtcNow() - idleFrom < TimeSpan.FromMinutes(1))
        {
            time.Advance(Tick);
            loop.RecordConcurrency(time.GetUtcNow(), 0);
            loop.Tick(time.GetUtcNow());
        }

        Assert.Equal(0, loop.Desired);
        Assert.InRange(time.GetUtcNow() - idleFrom, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(12));
        Assert.Equal(0, replicas.Ready);
    }

    [Fact]
    public async Task ABurstAtZero_GetsItsFullReplicaCount_AtTheFirstDecision()
    {
        // Issue 29: 100 calls arrive at zero, target 10 at 100%, a 60 s window. Knative asks for 10 at its first
        // decision; a window full of the idle time's zeros used to make that 5, 9, then 10 over three ticks.
        var time = new FakeTimeProvider();
        var (loop, replicas) = Create(time, queueLimit: 200, autoscale: new AutoscaleSpec { Target = 10, TargetUtilization = 100, MinScale = 0 });
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(2); elapsed += SampleEvery)
        {
            Advance(time, loop);
        }

        Assert.Equal(0, loop.Desired);
        var burst = Enumerable.Range(0, 100).Select(_ => loop.WaitForReadyAsync(CancellationToken.None)).ToArray();
        Assert.Equal(1, loop.Desired);                                                // the wake: InitialScale

        for (var i = 0; i < Tick / SampleEvery; i++)
        {
            Advance(time, loop);
        }

        var decision = loop.Decisions.Last();
        Assert.Equal(100, decision.StableAverage, 6);                                 // the burst alone, not averaged with idle zeros
        Assert.Equal(10, loop.Desired);
        Assert.Equal(10, replicas.Asked[^1]);

        replicas.StartAll();
        await Task.WhenAll(burst);
    }

    [Fact]
    public async Task AWakeAsksForInitialScale_AndTheTicksKeepIt_UntilThatManyAreReady()
    {
        // scaler_test.go "haven't scaled to initial scale": the load of one call would ask for one replica.
        var time = new FakeTimeProvider();
        var (loop, replicas) = Create(time, autoscale: new AutoscaleSpec { InitialScale = 3, Window = "6s" });
        var call = loop.WaitForReadyAsync(CancellationToken.None);
        Assert.Equal([3], replicas.Asked);

        for (var i = 0; i < 3 * Tick / SampleEvery; i++)
        {
            Advance(time, loop);
        }

        Assert.Equal(3, loop.Desired);
        Assert.All(replicas.Asked, asked => Assert.Equal(3, asked));
        Assert.Contains("held at InitialScale 3", loop.Decisions.Last().Reason, StringComparison.Ordinal);

        replicas.StartAll();
        await call;
        for (var i = 0; i < 3 * Tick / SampleEvery; i++)
        {
            Advance(time, loop);
        }

        Assert.True(loop.Desired < 3, $"Once reached, InitialScale no longer holds: {loop.Desired}");
    }

    private static readonly TimeSpan SampleEvery = ScalingLoop<string>.SampleInterval;

    // One sampler step of the local loop on the fake clock: a sample every 100 ms (nothing in flight), a tick every 2 s.
    private static void Advance(FakeTimeProvider time, ScalingLoop<string> loop)
    {
        time.Advance(SampleEvery);
        var now = time.GetUtcNow();
        loop.RecordConcurrency(now, 0);
        if ((now - DateTimeOffset.UnixEpoch).Ticks % Tick.Ticks == 0)
        {
            loop.Tick(now);
        }
    }

    [Fact]
    public void ActivitySeenFromAfar_OnlyEverMovesForward()
    {
        var time = new FakeTimeProvider();
        var (loop, _) = Create(time);
        var later = time.GetUtcNow() + TimeSpan.FromMinutes(1);

        loop.RecordActivity(later);
        loop.RecordActivity(later - TimeSpan.FromMinutes(5));

        Assert.Equal(later, loop.LastActivity);
    }
}

using Hoist.Autoscaling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>One tick's verdict for a workload: the replicas to set (null: leave them), and the decision recorded.</summary>
internal sealed record WorkloadVerdict(int? SetReplicas, ScaleDecision? Recorded, bool TornDownForInactivity, bool Woken);

/// <summary>
/// The in-cluster controller's actuator for one workload: the same <see cref="ScalingLoop{TReady}"/> the local backend
/// runs (activator, KPA, InactivityTtl, a group all or nothing), driven tick by tick with what a cluster shows instead
/// of what a process table shows. A group counts as one replica when all its ranks are ready; the calls in flight on
/// its pods and the activity Lease, which every caller renews while its calls flow, say how long it has been quiet.
/// It reads no clock and calls no API: it answers with the replicas the controller should set.
/// </summary>
/// <remarks>
/// A call that finds the service at zero wakes it in one of three ways, and all are seen here: it waits in the
/// controller's activator (<see cref="WaitForReadyAsync"/>), its client applies the service again (the replicas come
/// back above zero, set by someone other than this controller), or a client renews the activity Lease after the
/// controller took the service down. Each wakes the loop, so its next decision does not take the group straight back
/// to zero.
/// </remarks>
internal sealed class WorkloadScaler : IScalingActuator, IDisposable
{
    /// <summary>How many calls may wait in the controller's activator for one workload.</summary>
    public const int ActivatorQueueLimit = 1000;

    private readonly ScalingLoop<ScaledWorkload> _loop;
    private ScaledWorkload _workload;
    private int? _applied;
    private int? _pending;
    private DateTimeOffset? _restedAt;
    private DateTimeOffset? _startingSince;
    private DateTimeOffset _now;

    public WorkloadScaler(ScaledWorkload workload, TimeProvider? time = null, ILogger? logger = null)
    {
        _workload = workload;
        _loop = new ScalingLoop<ScaledWorkload>(
            workload.Descriptor,
            () => _workload.Descriptor,
            new ActivatorLimits(ActivatorQueueLimit, "the Hoist controller's activator queue"),
            time ?? TimeProvider.System,
            logger ?? NullLogger.Instance,
            timed: false,
            desired: Groups(workload.SpecReplicas, workload.GroupSize),
            lastActivity: DateTimeOffset.MinValue,
            groupsScaleOut: workload.GroupsScaleOut);
        _loop.Drive(this);

        // Found at zero (a controller restarted after stopping it, say): a wake from now on counts as one.
        if (workload.SpecReplicas == 0)
        {
            _applied = 0;
        }
    }

    public string Service => _workload.Descriptor.Name;

    public ScaledWorkload Workload
    {
        get
        {
            lock (_loop.Gate)
            {
                return _workload;
            }
        }
    }

    public IReadOnlyCollection<ScaleDecision> Decisions => _loop.Decisions;

    /// <summary>Calls waiting in the activator for this workload.</summary>
    public int Queued => _loop.Queued;

    /// <param name="now">The tick's time.</param>
    /// <param name="workload">The workload as the cluster shows it now.</param>
    /// <param name="lastActivity">The latest call anyone recorded (<see cref="InactivityPolicy.LastActivity"/>).</param>
    /// <param name="inFlight">The calls running on its ready pods, as their workers report; null when a pod did not say, which counts as busy.</param>
    public WorkloadVerdict Tick(DateTimeOffset now, ScaledWorkload workload, DateTimeOffset lastActivity, int? inFlight = 0)
    {
        var woken = false;
        lock (_loop.Gate)
        {
            _now = now;
            _workload = workload;
            _restedAt ??= _applied == 0 ? now : null;
            if (_loop.Desired == 0 && (ScaledUpByOthers(workload) || lastActivity > _restedAt))
            {
                _loop.WakeLocked();
                woken = true;
            }

            // Every rank ready releases the calls the activator holds.
            var ready = Observe().Ready > 0;
            _loop.Publish(ready ? workload : null);
            _startingSince = ready || _loop.Desired == 0 ? null : _startingSince ?? now;
        }

        _loop.RecordActivity(lastActivity);

        // Every call of a group runs on each of its ranks: the KPA counts calls per group, so the pods' sum is divided back.
        _loop.RecordConcurrency(now, workload.GroupsScaleOut && inFlight is { } ranksBusy ? Groups(ranksBusy, workload.GroupSize) : inFlight);
        var outcome = _loop.Tick(now);
        lock (_loop.Gate)
        {
            return new WorkloadVerdict(TakePendingLocked(now), outcome?.Recorded, outcome?.TornDownForInactivity ?? false, woken);
        }
    }

    /// <summary>
    /// The activator for one call: the workload when all its replicas are ready, or a wait while it wakes, bounded by
    /// its LaunchTimeout. <paramref name="woke"/> is what the controller must set now to wake it (null: nothing).
    /// </summary>
    public Task<ScaledWorkload> WaitForReadyAsync(DateTimeOffset now, CancellationToken cancellationToken, out int? woke)
    {
        var ready = _loop.WaitForReadyAsync(cancellationToken);
        lock (_loop.Gate)
        {
            woke = TakePendingLocked(now);
        }

        return ready;
    }

    /// <summary>
    /// True when calls wait in the activator for a workload that has been starting, with nothing ready, for its
    /// LaunchTimeout: the controller then reads why and fails them with <see cref="FailLaunch"/>.
    /// </summary>
    public bool LaunchOverdue(DateTimeOffset now)
    {
        lock (_loop.Gate)
        {
            return _loop.Queued > 0 && StartingPastLaunchTimeout(now);
        }
    }

    /// <summary>
    /// The launch failed: every call waiting learns <paramref name="reason"/>, and the workload rests at zero, as a
    /// failed local launch does, until the next call wakes it again; it does not crash-loop with nobody waiting.
    /// </summary>
    public void FailLaunch(Exception reason)
    {
        lock (_loop.Gate)
        {
            _loop.LaunchFailed(reason, noneReady: true);
            _startingSince = null;
        }
    }

    /// <summary>
    /// The workload's replicas as the loop counts them: groups, each ready only with every rank. A set of ordinal
    /// blocks runs as many groups as its replicas hold whole blocks; any other group set is one group.
    /// </summary>
    public ReplicaCount Observe()
    {
        var workload = _workload;
        var (ready, starting) = IsGroup(workload)
            ? (workload.ReadyGroups, Math.Max(0, Groups(workload.SpecReplicas, workload.GroupSize) - workload.ReadyGroups))
            : (workload.ReadyReplicas, Math.Max(0, workload.SpecReplicas - workload.ReadyReplicas));

        // Pods not ready after LaunchTimeout are failing (crash-looping, unpullable), not starting: the loop must not
        // hold the replicas it woke for them forever, as it does for a launch still under way.
        return new ReplicaCount(ready, StartingPastLaunchTimeout(_now) ? 0 : starting, InFlight: null);
    }

    /// <summary>The loop's answer, in groups: noted as the replicas the controller sets, since scaling here is an API call it makes.</summary>
    public void Scale(int desired) => _pending = desired * _workload.GroupSize;

    /// <summary>
    /// The workload is gone (deleted, being deleted, or no longer scaled by anything): every call waiting for it fails now
    /// with a <see cref="WorkerLaunchException"/> saying so, rather than at its LaunchTimeout, and the loop stops.
    /// </summary>
    public void Remove()
    {
        lock (_loop.Gate)
        {
            var workload = _workload;
            _loop.LaunchFailed(
                new WorkerLaunchException(
                    Service,
                    null,
                    $"{workload.Kind.Kind} {workload.Namespace}/{workload.Name} of service '{Service}' was deleted (or stopped being scaled by the Hoist controller) while the call waited for it to start. Deploy the service again.",
                    "",
                    exitCode: null),
                noneReady: true);
            _loop.StopLocked("the workload was deleted");
        }

        _loop.Dispose();
    }

    public void Dispose() => _loop.Dispose();

    // What the loop last asked for, when the workload does not have it yet. A tick that listed the workload just before
    // the activator's patch asks again; setting the same replicas twice is harmless.
    private int? TakePendingLocked(DateTimeOffset now)
    {
        var pending = _pending;
        _pending = null;
        if (pending is not { } replicas || replicas == _workload.SpecReplicas)
        {
            return null;
        }

        if (replicas > 0 && _workload.SpecReplicas == 0)
        {
            _startingSince = now;
        }

        _applied = replicas;
        if (replicas == 0)
        {
            _restedAt = now;
        }

        return replicas;
    }

    private bool StartingPastLaunchTimeout(DateTimeOffset now) =>
        _startingSince is { } since && now - since >= TimeSpan.FromSeconds(_workload.Descriptor.Compute.LaunchTimeout);

    private bool ScaledUpByOthers(ScaledWorkload workload) => _applied == 0 && workload.SpecReplicas > 0;

    private bool IsGroup(ScaledWorkload workload) => workload.GroupSize > 1 || workload.Descriptor.Distribution is not null;

    private static int Groups(int replicas, int groupSize) => (replicas + groupSize - 1) / groupSize;
}

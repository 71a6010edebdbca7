using Hoist.Manifests;

namespace Hoist.Autoscaling;

/// <summary>
/// What one tick measured for a service, in units of replicas: a distributed group counts as one replica, all
/// ranks or none. <paramref name="Queued"/> are calls waiting for a replica (the activator's queue, or in a cluster a
/// caller's activity since the service went to zero).
/// </summary>
internal sealed record ScalingLoad(int Ready, int Starting, int Queued, TimeSpan QuietFor, double StableAverage, double PanicAverage);

/// <summary>A change of the replicas a service wants, and why: the activator woke it, or a tick decided.</summary>
internal sealed record ScalingChange(int From, int To, bool WokenAfterIdle);

/// <summary>
/// The autoscaling loop's decisions for one service, shared by every backend: the settings in force (derived again
/// only when the descriptor changes), the KPA with its panic state, the step that turns its decision into replicas
/// (<see cref="ScalingStep"/>: InactivityTtl, a group all or nothing), the wake of a service at zero, and the last
/// decisions for <c>hoist status</c>. It reads no clock and does no I/O; a backend measures, calls <see cref="Tick"/>
/// and acts on <see cref="Desired"/> (local processes, or a workload's replicas in a cluster). Not thread-safe: a
/// backend calls it under its own lock.
/// </summary>
internal sealed class ServiceScaler
{
    /// <summary>How many decisions <see cref="Decisions"/> keeps, newest last.</summary>
    public const int DecisionsKept = 64;

    private readonly Queue<ScaleDecision> _decisions = new();
    private readonly KpaAutoscaler? _autoscaler;
    private ServiceDescriptor _descriptor;
    private ScalingState _state;

    /// <param name="descriptor">The service as it is now.</param>
    /// <param name="desired">The replicas it already runs (a cluster workload found at startup), or 0.</param>
    /// <param name="groupsScaleOut">True where a distributed service may run many groups (locally, or a StatefulSet of ordinal blocks); false holds it at one group.</param>
    public ServiceScaler(ServiceDescriptor descriptor, int desired = 0, bool groupsScaleOut = false)
    {
        _descriptor = descriptor;
        GroupsScaleOut = groupsScaleOut;
        _state = new ScalingState(desired, false);
        InactivityTtl = TtlOf(descriptor);
        if (descriptor.Autoscale is { } autoscale)
        {
            _autoscaler = new KpaAutoscaler(ScalingPolicy.From(autoscale));
        }
    }

    /// <summary>The KPA's settings; null when the service does not autoscale.</summary>
    public ScalingPolicy? Policy => _autoscaler?.Policy;

    public TimeSpan? InactivityTtl { get; private set; }

    /// <summary>The replicas (groups, for a distributed service) the service should run.</summary>
    public int Desired => _state.Desired;

    /// <summary>True from an InactivityTtl teardown until a call wakes the service.</summary>
    public bool IdleTornDown => _state.IdleTornDown;

    public bool IsDistributed => _descriptor.Distribution is not null;

    /// <summary>True where a distributed service scales in whole groups up to MaxScale; false where it runs one group at most.</summary>
    public bool GroupsScaleOut { get; }

    /// <summary>The most groups a distributed service may run here: one where groups do not scale out; no bound otherwise.</summary>
    private bool OneGroupAtMost => IsDistributed && !GroupsScaleOut;

    public IReadOnlyCollection<ScaleDecision> Decisions => _decisions;

    /// <summary>
    /// Takes the service's current settings (a configuration reload). Returns the new policy when the KPA's changed,
    /// which it takes without losing its panic state; null when nothing it uses changed.
    /// </summary>
    public ScalingPolicy? Refresh(ServiceDescriptor descriptor)
    {
        if (descriptor.Equals(_descriptor))
        {
            return null;
        }

        _descriptor = descriptor;
        InactivityTtl = TtlOf(descriptor);
        if (_autoscaler is not null && descriptor.Autoscale is { } autoscale)
        {
            var policy = ScalingPolicy.From(autoscale);
            if (policy != _autoscaler.Policy)
            {
                _autoscaler.Update(policy);
                return policy;
            }
        }

        return null;
    }

    /// <summary>
    /// One tick: the KPA decides from the load (when the service autoscales), then the step applies InactivityTtl and
    /// the group rule. A backend calls <see cref="Wake"/> itself when a call waits at zero, before the tick.
    /// </summary>
    public ScalingOutcome Tick(DateTimeOffset now, ScalingLoad load)
    {
        var decision = _autoscaler?.Decide(now, load.Ready, load.StableAverage, load.PanicAverage, load.QuietFor);
        var outcome = ScalingStep.Next(
            _state,
            new ScalingObservation(load.Ready, load.Starting, load.Queued, load.QuietFor, InactivityTtl, OneGroupAtMost, decision));
        _state = outcome.Next;
        if (outcome.Recorded is { } recorded)
        {
            _decisions.Enqueue(recorded);
            while (_decisions.Count > DecisionsKept)
            {
                _decisions.Dequeue();
            }
        }

        return outcome;
    }

    /// <summary>A call found nothing ready: ask for InitialScale (one group where groups do not scale out), and forget an inactivity teardown.</summary>
    public ScalingChange Wake()
    {
        var from = _state.Desired;
        var woken = _state.IdleTornDown;
        _state = new ScalingState(ScalingStep.Wake(_state with { IdleTornDown = false }, _descriptor, OneGroupAtMost), false);
        if (from == 0)
        {
            // The wake asked for InitialScale: the ticks until it is ready must not cut it back.
            _autoscaler?.HoldInitialScale();
        }

        return new ScalingChange(from, _state.Desired, woken);
    }

    /// <summary>Nothing should run: the backend is stopping the service, or its launch failed with none ready.</summary>
    public void Rest()
    {
        _state = _state with { Desired = 0 };

        // Nothing to hold: a failed launch rests at zero instead of relaunching InitialScale on every tick.
        _autoscaler?.ReleaseInitialScale();
    }

    private static TimeSpan? TtlOf(ServiceDescriptor descriptor) => GoDuration.PositiveOrNull(descriptor.Compute.InactivityTtl);
}

namespace Hoist.Autoscaling;

/// <summary>What a service's scaling remembers between ticks: the replicas it wants, and whether InactivityTtl took it down.</summary>
internal sealed record ScalingState(int Desired, bool IdleTornDown);

/// <summary>What one tick sees: the replicas, the load, how long it has been quiet, and the KPA's decision if it autoscales.</summary>
internal sealed record ScalingObservation(
    int Ready,
    int Starting,
    int Queued,
    TimeSpan QuietFor,
    TimeSpan? InactivityTtl,
    bool OneGroupAtMost,
    ScaleDecision? Decision);

/// <summary>The outcome of one tick: the next state, the decision as recorded, and whether InactivityTtl fired on this tick.</summary>
internal sealed record ScalingOutcome(ScalingState Next, ScaleDecision? Recorded, bool TornDownForInactivity);

/// <summary>
/// The step between the KPA's decision and the replicas a service runs (processes locally, a workload's replicas in a
/// cluster), as a pure function of the state
/// and what the tick observed, so that a test walks it tick by tick like <see cref="KpaAutoscaler"/>: InactivityTtl
/// takes the service to zero, a distributed service's replica is a whole group (all its ranks) and, where groups do
/// not scale out (a cluster's one StatefulSet), it runs one group or none, and a service woken from zero keeps what
/// the wake asked for until a replica is ready.
/// </summary>
internal static class ScalingStep
{
    public static ScalingOutcome Next(ScalingState state, ScalingObservation seen)
    {
        var idle = state.IdleTornDown;
        var tornDownNow = false;
        if (seen.InactivityTtl is { } ttl && seen.QuietFor >= ttl && (seen.Ready > 0 || seen.Starting > 0) && seen.Queued == 0)
        {
            idle = true;
            tornDownNow = true;
        }

        var desired = state.Desired;
        ScaleDecision? recorded = null;
        if (seen.Decision is { } decision)
        {
            // A group scales as a whole: one replica is every rank, and where groups do not scale out there is one at most.
            var wanted = seen.OneGroupAtMost ? Math.Min(decision.DesiredReplicas, 1) : decision.DesiredReplicas;
            if (idle)
            {
                wanted = 0;
            }

            recorded = decision with { DesiredReplicas = wanted };

            // The KPA sees no traffic yet while the first replica starts: keep what the wake asked for.
            var wokenAndStarting = wanted == 0 && seen.Ready == 0 && seen.Starting > 0 && !idle;
            if (!wokenAndStarting)
            {
                desired = wanted;
            }
        }
        else if (idle)
        {
            desired = 0;
        }

        return new ScalingOutcome(new ScalingState(desired, idle), recorded, tornDownNow);
    }

    /// <summary>The replicas (groups) a call that finds none ready asks for: InitialScale (at least one), or one group where groups do not scale out.</summary>
    public static int Wake(ScalingState state, ServiceDescriptor descriptor, bool oneGroupAtMost) =>
        state.Desired > 0 ? state.Desired
        : oneGroupAtMost ? 1
        : Math.Max(1, descriptor.Autoscale?.InitialScale ?? 1);
}

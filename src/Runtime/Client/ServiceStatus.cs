using Hoist.Autoscaling;
using Hoist.Telemetry;

namespace Hoist;

/// <summary>A service's replicas and its autoscaler's recent decisions.</summary>
public sealed record ServiceStatus(
    string Service,
    int ReadyReplicas,
    int DesiredReplicas,
    int StartingReplicas,
    int QueuedCalls,
    IReadOnlyList<ScaleDecision> RecentDecisions)
{
    /// <summary>The counts the replica and queue gauges report.</summary>
    internal ServiceGauges Gauges => new(Service, DesiredReplicas, ReadyReplicas, QueuedCalls);
}

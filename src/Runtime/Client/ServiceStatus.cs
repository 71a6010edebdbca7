using Hoist.Autoscaling;

namespace Hoist;

/// <summary>A service's replicas and its autoscaler's recent decisions.</summary>
public sealed record ServiceStatus(
    string Service,
    int ReadyReplicas,
    int DesiredReplicas,
    int StartingReplicas,
    int QueuedCalls,
    IReadOnlyList<ScaleDecision> RecentDecisions);

using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// Where the controller's decisions take effect: it sets the replicas of a workload it scales. The decisions
/// themselves (<see cref="WorkloadScaler"/>) never see it, so they are tested without a cluster.
/// </summary>
internal interface IWorkloadActuator
{
    Task ScaleAsync(ScaledWorkload workload, int replicas, CancellationToken cancellationToken);
}

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// The loop as the activator endpoint sees it (<see cref="IWorkloadActivator"/>).
/// </summary>
/// <remarks>
/// PROVISIONAL: the held calls (wake the workload's scaler, wait for every rank, diagnose at LaunchTimeout through
/// <see cref="WorkloadDiagnosis"/>, a bounded queue) are written inside the loop by the loop refactor, which owns
/// <see cref="ScalingController"/> and <see cref="WorkloadScaler"/>. Until that merges, the endpoint answers
/// UNIMPLEMENTED and a caller falls back to waiting for readiness itself, as before the activator existed.
/// </remarks>
internal sealed partial class ScalingController : IWorkloadActivator
{
    public Task<WorkloadActivation> ActivateAsync(string service, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Holding calls at zero is wired by the loop refactor; this controller cannot hold calls yet.");
}

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// Holds a call to a service at zero: wakes its workload and waits until every replica (every rank) is ready. The
/// activator endpoint (<see cref="ActivatorService"/>) serves it; the controller's loop implements it, because only
/// the loop may change a workload's replicas without fighting its own decisions.
/// </summary>
internal interface IWorkloadActivator
{
    /// <summary>Wakes <paramref name="service"/> if it is at zero and completes once it is ready.</summary>
    /// <exception cref="WorkloadNotScaledException">The controller does not scale a workload of that service.</exception>
    /// <exception cref="WorkerLaunchException">Not ready within its LaunchTimeout; the message is the launch diagnosis.</exception>
    /// <exception cref="CallRejectedException">Too many calls already wait (<see cref="Grpc.Core.StatusCode.ResourceExhausted"/>).</exception>
    Task<WorkloadActivation> ActivateAsync(string service, CancellationToken cancellationToken);

    /// <summary>Whether this controller holds the app's leader Lease (<see cref="LeaderElection"/>): only the leader holds calls.</summary>
    bool IsLeader => true;
}

/// <summary>The controller scales no workload of the service: it is not this app's, not deployed, or scaled by something else (Knative).</summary>
internal sealed class WorkloadNotScaledException(string service)
    : KeyNotFoundException($"The controller scales no workload of service '{service}'.")
{
    public string Service { get; } = service;
}

namespace Hoist.Client;

/// <summary>Where a service's workers run: this machine's processes, or a cluster's pods.</summary>
internal interface IHoistBackend : IAsyncDisposable
{
    /// <summary>
    /// The running deployment of <paramref name="service"/>, started first when it is not running. On the
    /// call path: a running service costs one dictionary look-up.
    /// </summary>
    ValueTask<ServiceDeployment> GetDeploymentAsync(string service, CancellationToken cancellationToken);

    /// <summary>Stops the service's workers, letting in-flight calls finish. No-op when it is not running.</summary>
    Task StopServiceAsync(string service, CancellationToken cancellationToken);

    /// <summary>The service's replicas and recent scaling decisions, or null when it is not running.</summary>
    ServiceStatus? GetStatus(string service);
}

/// <summary>A service's ready workers: replicas to choose from, or the ranks of one distributed group.</summary>
internal abstract class ServiceDeployment(ServiceDescriptor descriptor)
{
    private int _next;

    public ServiceDescriptor Descriptor { get; } = descriptor;

    public abstract IReadOnlyList<WorkerEndpoint> Endpoints { get; }

    /// <summary>The replica for the next single call: the least loaded, ties broken round-robin.</summary>
    public WorkerEndpoint PickReplica()
    {
        var endpoints = Endpoints;
        if (endpoints.Count == 1)
        {
            return endpoints[0];
        }

        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)endpoints.Count);
        var best = endpoints[start];
        for (var i = 1; i < endpoints.Count && best.InFlight > 0; i++)
        {
            var candidate = endpoints[(start + i) % endpoints.Count];
            if (candidate.InFlight < best.InFlight)
            {
                best = candidate;
            }
        }

        return best;
    }
}

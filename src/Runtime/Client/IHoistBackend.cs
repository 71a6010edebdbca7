using Hoist.Transport;

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

    /// <summary>
    /// The groups a distributed call can go to, each every rank of one group in rank order. A deployment that knows
    /// of one group only (a cluster's StatefulSet) has all its endpoints as that group.
    /// </summary>
    public virtual IReadOnlyList<IReadOnlyList<WorkerEndpoint>> Groups => [Endpoints];

    /// <summary>The replica for the next single call: the least loaded, ties broken round-robin.</summary>
    public WorkerEndpoint PickReplica() => PickLeastLoaded(Endpoints, static e => e.InFlight);

    /// <summary>
    /// The group for the next distributed call, which goes to each of its ranks: the least loaded (a group's load is its
    /// busiest rank's, since every call runs on every rank), ties broken round-robin, as <see cref="PickReplica"/>.
    /// </summary>
    public IReadOnlyList<WorkerEndpoint> PickGroup() => PickLeastLoaded(Groups, static g => GroupInFlight(g));

    /// <summary>The calls a group runs: its busiest rank's count.</summary>
    public static int GroupInFlight(IReadOnlyList<WorkerEndpoint> ranks)
    {
        var most = 0;
        foreach (var rank in ranks)
        {
            most = Math.Max(most, rank.InFlight);
        }

        return most;
    }

    private T PickLeastLoaded<T>(IReadOnlyList<T> choices, Func<T, int> load)
    {
        if (choices.Count == 1)
        {
            return choices[0];
        }

        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)choices.Count);
        var best = choices[start];
        var bestLoad = load(best);
        for (var i = 1; i < choices.Count && bestLoad > 0; i++)
        {
            var candidate = choices[(start + i) % choices.Count];
            var candidateLoad = load(candidate);
            if (candidateLoad < bestLoad)
            {
                best = candidate;
                bestLoad = candidateLoad;
            }
        }

        return best;
    }
}

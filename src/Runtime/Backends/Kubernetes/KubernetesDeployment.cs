using Hoist.Client;
using Hoist.Transport;

namespace Hoist.Backends.Kubernetes;

/// <summary>A ready service on the cluster, as one routing snapshot: its endpoint, or one per pod in ordinal order.</summary>
internal sealed class KubernetesDeployment(ServiceDescriptor descriptor, IReadOnlyList<WorkerEndpoint> endpoints) : ServiceDeployment(descriptor)
{
    // A StatefulSet of ordinal blocks: pod o is rank o % Workers of group o / Workers, so each run of Workers endpoints
    // is one group, with its own rendezvous, that a distributed call fans out to whole.
    private readonly IReadOnlyList<IReadOnlyList<WorkerEndpoint>> _groups =
        descriptor.Distribution is { Workers: > 0 and var workers } && endpoints.Count > workers && endpoints.Count % workers == 0
            ? endpoints.Chunk(workers).ToArray()
            : [endpoints];

    public override IReadOnlyList<WorkerEndpoint> Endpoints => endpoints;

    public override IReadOnlyList<IReadOnlyList<WorkerEndpoint>> Groups => _groups;

    /// <summary>True once a call found a worker unreachable; the next call re-checks the cluster. Reads flags only: it runs on every call.</summary>
    public bool AnyLost
    {
        get
        {
            foreach (var endpoint in endpoints)
            {
                if (endpoint.Lost.IsCancellationRequested)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public int InFlight
    {
        get
        {
            var total = 0;
            foreach (var endpoint in endpoints)
            {
                total += endpoint.InFlight;
            }

            return total;
        }
    }

    /// <summary>
    /// Closes <paramref name="endpoints"/>, taken out of rotation, once the calls still on them have finished (a
    /// replaced deployment's, or a Knative pod's that drains its requests before it stops), or after 10 minutes.
    /// </summary>
    public static async Task CloseWhenIdleAsync(IReadOnlyList<WorkerEndpoint> endpoints, TimeProvider time)
    {
        var since = time.GetTimestamp();
        while (endpoints.Any(e => e.InFlight > 0) && time.GetElapsedTime(since) < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), time).ConfigureAwait(false);
        }

        foreach (var endpoint in endpoints)
        {
            endpoint.Dispose();
        }
    }
}

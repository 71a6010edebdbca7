using Hoist.Client;
using Hoist.Transport;

namespace Hoist.Backends.Kubernetes;

/// <summary>A ready service on the cluster, as one routing snapshot: its endpoint, or one per rank in rank order.</summary>
internal sealed class KubernetesDeployment(ServiceDescriptor descriptor, IReadOnlyList<WorkerEndpoint> endpoints) : ServiceDeployment(descriptor)
{
    public override IReadOnlyList<WorkerEndpoint> Endpoints => endpoints;

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

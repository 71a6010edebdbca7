using System.Globalization;
using Hoist.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Turns a service's worker routes into endpoints this process can call: the Service's cluster DNS name from a
/// pod, or a loopback port-forward from anywhere else, one per target, opening each tunnel to a ready pod taken in
/// turn. The Kubernetes backend and <c>hoist call</c> both reach workers through it.
/// </summary>
internal sealed class WorkerConnector(ILogger logger) : IAsyncDisposable
{
    private readonly Dictionary<string, PortForwarder> _forwarders = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _nextPod;

    public WorkerEndpoint CreateEndpoint(ClusterClient cluster, string service, WorkerRoute route, string token)
    {
        var address = route switch
        {
            DnsRoute dns => dns.Address,
            PortForwardRoute forward => Forwarder(cluster, forward).Address,
            _ => throw new NotSupportedException(route.GetType().Name),
        };
        var endpoint = new WorkerEndpoint(service, route.Replica, route.Rank, address, token);
        foreach (var (header, value) in route.Headers)
        {
            endpoint.Headers.Add(header, value);
        }

        return endpoint;
    }

    /// <summary>A ready, running pod of the route's selector, taken in turn so that new connections spread over the replicas.</summary>
    public async Task<string> PickReadyPodAsync(ClusterClient cluster, PortForwardRoute route, CancellationToken cancellationToken)
    {
        var ready = ReadyPods(await cluster.ListPodsAsync(route.Namespace, route.PodSelector!, cancellationToken).ConfigureAwait(false));
        if (ready.Count == 0)
        {
            throw new InvalidOperationException($"No ready pod in namespace {route.Namespace} matches {route.PodSelector}.");
        }

        return ready[(int)((uint)Interlocked.Increment(ref _nextPod) % (uint)ready.Count)];
    }

    /// <summary>The names of the pods that are running, ready and not being deleted, in name order.</summary>
    public static IReadOnlyList<string> ReadyPods(IEnumerable<V1Pod> pods) =>
        pods.Where(p => p.Metadata?.DeletionTimestamp is null
                && p.Status?.Phase == "Running"
                && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            .Select(p => p.Metadata.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Closes every tunnel; the next endpoint opens new ones.</summary>
    public async ValueTask CloseTunnelsAsync()
    {
        PortForwarder[] forwarders;
        lock (_gate)
        {
            forwarders = [.. _forwarders.Values];
            _forwarders.Clear();
        }

        await Task.WhenAll(forwarders.Select(f => f.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => CloseTunnelsAsync();

    /// <summary>One loopback port per target, kept across redeploys: a replaced pod is found again on the next connection.</summary>
    private PortForwarder Forwarder(ClusterClient cluster, PortForwardRoute route)
    {
        lock (_gate)
        {
            if (!_forwarders.TryGetValue(route.Key, out var forwarder))
            {
                forwarder = new PortForwarder(route.Key, ct => OpenTunnelAsync(cluster, route, ct), logger);
                _forwarders.Add(route.Key, forwarder);
            }

            return forwarder;
        }
    }

    private async Task<Stream> OpenTunnelAsync(ClusterClient cluster, PortForwardRoute route, CancellationToken cancellationToken)
    {
        var pod = route.Pod ?? await PickReadyPodAsync(cluster, route, cancellationToken).ConfigureAwait(false);
        var socket = await cluster.PortForwardAsync(route.Namespace, pod, route.Port, cancellationToken).ConfigureAwait(false);
        return new PodPortStream(socket, $"pod {route.Namespace}/{pod}:{route.Port.ToString(CultureInfo.InvariantCulture)}");
    }
}

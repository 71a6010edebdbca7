using Hoist.CodeSync;
using Hoist.Hosting;
using k8s.Models;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Hot code sync into a service's running pods: every ready pod of the service gets a route of its own (a sync
/// must reach each replica, not whichever one a Service picks), and the pods are synced as one group, prepared
/// all before any commits. A pod replaced later starts from its image again; the next sync brings it up to date.
/// </summary>
internal static class PodCodeSync
{
    /// <summary>One route per ready pod that runs a Hoist worker: the pod itself, by port-forward or by its IP.</summary>
    public static IReadOnlyList<WorkerRoute> Routes(ServiceLayout layout, IEnumerable<V1Pod> pods, bool clusterDns, KubernetesBackendOptions options)
    {
        var ready = WorkerConnector.ReadyPods(pods.ToArray()).ToHashSet(StringComparer.Ordinal);
        return pods
            .Where(p => ready.Contains(p.Metadata.Name))
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Select((pod, index) => clusterDns && pod.Status?.PodIP is { Length: > 0 } ip
                ? (WorkerRoute)new DnsRoute(index, pod.Metadata.Name, WorkerRoutes.PodAddress(ip, options.GrpcPort))
                : new PortForwardRoute(index, pod.Metadata.Name, layout.Namespace, pod.Metadata.Name, null, options.GrpcPort))
            .ToArray();
    }

    /// <summary>The pods that run the service's worker: all of its pods, or a Ray cluster's head.</summary>
    public static string WorkerPodSelector(ServiceLayout layout) =>
        layout.WorkloadKind.WorkerPodSelector(layout);

    /// <summary>Syncs <paramref name="manifest"/> (the files under <paramref name="folder"/>) into every ready pod of the service.</summary>
    public static async Task<CodeSyncOutcome> SyncAsync(
        ClusterClient cluster,
        WorkerConnector connector,
        ServiceLayout layout,
        string token,
        AppManifest manifest,
        string folder,
        bool clusterDns,
        KubernetesBackendOptions options,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Action<Hoist.Client.WorkerEndpoint, Protocol.CodeState>? beforeSync = null)
    {
        var pods = await cluster.ListPodsAsync(layout.Namespace, WorkerPodSelector(layout), cancellationToken).ConfigureAwait(false);
        var routes = Routes(layout, pods, clusterDns, options);
        if (routes.Count == 0)
        {
            throw new InvalidOperationException($"Service '{layout.Service}' has no ready pod in namespace {layout.Namespace} to sync code into.");
        }

        var endpoints = routes.Select(route => connector.CreateEndpoint(cluster, layout.Service, route, token)).ToArray();
        try
        {
            return await CodeSyncClient.SyncAsync(endpoints, manifest, folder, timeout, cancellationToken, beforeSync).ConfigureAwait(false);
        }
        finally
        {
            foreach (var endpoint in endpoints)
            {
                endpoint.Dispose();
            }
        }
    }
}

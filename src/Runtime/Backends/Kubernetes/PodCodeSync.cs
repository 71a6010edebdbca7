using Hoist.CodeSync;
using Hoist.Hosting;
using k8s.Models;
using Hoist.Configuration;
using Hoist.Manifests;
using Hoist.Transport;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Hot code sync into a service's running pods: every ready pod of the service gets a route of its own (a sync
/// must reach each replica, not whichever one a Service picks), and the pods are synced as one group, prepared
/// all before any commits. A pod replaced later starts from its image again; the next sync brings it up to date.
/// </summary>
internal static partial class PodCodeSync
{
    /// <summary>One route per ready pod that runs a Hoist worker: the pod itself, by port-forward or by its IP.</summary>
    public static IReadOnlyList<WorkerRoute> Routes(ServiceLayout layout, IEnumerable<V1Pod> pods, bool clusterDns, KubernetesBackendOptions options)
    {
        var ready = WorkerRoutes.ReadyPods(pods.ToArray()).ToHashSet(StringComparer.Ordinal);
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

    /// <summary>
    /// Syncs <paramref name="manifest"/> (the files under <paramref name="folder"/>) into every ready pod of the service,
    /// or only those of them named in <paramref name="onlyPods"/> (pods that just joined).
    /// </summary>
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
        Action<Transport.WorkerEndpoint, Protocol.CodeState>? beforeSync = null,
        IReadOnlyCollection<string>? onlyPods = null)
    {
        var pods = await cluster.ListPodsAsync(layout.Namespace, WorkerPodSelector(layout), cancellationToken).ConfigureAwait(false);
        var routes = Routes(layout, pods.Where(p => onlyPods?.Contains(p.Metadata.Name) ?? true), clusterDns, options);
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

    /// <summary>
    /// The deploy's code-sync step: brings the pods up to this run's build. A service deployed earlier (or by
    /// <c>hoist deploy</c> from another build) gets the changed files, and the same build costs one GetCode per pod. A
    /// frozen service that runs other code fails the launch: only a rollout may change it. With
    /// <paramref name="onlyPods"/>, only those pods: ones Knative or the controller added since the deploy, before they take calls.
    /// </summary>
    public static async Task SyncBuildAsync(
        ClusterClient cluster,
        WorkerConnector connector,
        ServiceDescriptor descriptor,
        ServiceLayout layout,
        string token,
        bool clusterDns,
        KubernetesBackendOptions options,
        ILogger logger,
        CancellationToken cancellationToken,
        IReadOnlyCollection<string>? onlyPods = null)
    {
        var build = AppBuild.For(descriptor.AssemblyName);
        try
        {
            var outcome = await SyncAsync(cluster, connector, layout, token, build.Manifest, build.Folder, clusterDns, options, TimeSpan.FromSeconds(descriptor.Compute.LaunchTimeout), cancellationToken, onlyPods: onlyPods).ConfigureAwait(false);
            if (outcome.Changed)
            {
                LogSynced(logger, layout.Service, outcome.WorkersUpdated, outcome.FilesSent, outcome.BytesSent, outcome.Elapsed.TotalMilliseconds);
            }
        }
        catch (CodeSyncException ex) when (ex.NeedsFreshWorkers)
        {
            throw new CodeSyncException(
                ex.Service,
                ex.Replica,
                ex.StatusCode,
                needsFreshWorkers: true,
                $"{ex.Message} Roll this build out with 'hoist deploy', or set Hoist:Kubernetes:SyncCode=false to call the code the pods run.",
                ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: synced this build into {Pods} pod(s) ({Files} file(s), {Bytes} bytes) in {Milliseconds:0.#} ms")]
    private static partial void LogSynced(ILogger logger, string service, int pods, int files, long bytes, double milliseconds);
}

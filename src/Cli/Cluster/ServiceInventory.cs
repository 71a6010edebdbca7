using System.Net;
using System.Text.Json;
using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Hoist.Cli.Cluster;

/// <summary>What Hoist runs in a namespace, read from the cluster by label: every kind of workload it creates.</summary>
internal static class ServiceInventory
{
    private const string PodAutoscalerGroup = "autoscaling.internal.knative.dev";
    private const string PodAutoscalerVersion = "v1alpha1";
    private const string PodAutoscalerPlural = "podautoscalers";

    /// <summary>Every Hoist workload, or one service's, as selector "managed-by=hoist[,name=service]".</summary>
    public static string Selector(string? service) =>
        service is { Length: > 0 } name ? $"{ManifestLabels.Name}={name},{HoistSelectors.Managed}" : HoistSelectors.Managed;

    /// <summary>Every Hoist service's workload, leaving out the in-cluster controllers, which are no service.</summary>
    public static string ServicesSelector(string? service) => $"{Selector(service)},{ManifestLabels.Component}!={Manifests.ControllerManifests.Component}";

    public static async Task<IReadOnlyList<ServiceRow>> ListAsync(ClusterClient cluster, string ns, string? service, CancellationToken cancellationToken)
    {
        var api = cluster.Api;
        var selector = ServicesSelector(service);
        var rows = new List<ServiceRow>();

        foreach (var kind in WorkloadKinds.All)
        {
            foreach (var workload in await ListAsync(api, kind.Resource, ns, selector, cancellationToken).ConfigureAwait(false))
            {
                LiveScale? live = null;
                if (kind.ReportsLiveScale)
                {
                    var pods = await cluster.ListPodsAsync(ns, $"serving.knative.dev/service={Name(workload)}", cancellationToken).ConfigureAwait(false);
                    live = new LiveScale(await ReadPodAutoscalerAsync(api, ns, workload, cancellationToken).ConfigureAwait(false), WorkerRoutes.ReadyPods(pods).Count);
                }

                rows.Add(kind.StatusRow(workload, live));
            }
        }

        return rows.OrderBy(r => r.Service, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The items of a kind, by its group, version and plural; none when its CRD is not installed.</summary>
    public static async Task<IReadOnlyList<JsonElement>> ListAsync(IKubernetes api, ResourceKind kind, string ns, string selector, CancellationToken cancellationToken)
    {
        try
        {
            var list = (JsonElement)await api.CustomObjects.ListNamespacedCustomObjectAsync(kind.Group, kind.Version, ns, kind.Plural, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
            return list.TryGetProperty("items", out var items) ? items.EnumerateArray().Select(i => i.Clone()).ToArray() : [];
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }
    }

    /// <summary>The PodAutoscaler of the Knative Service's latest ready revision; null when there is none or it may not be read.</summary>
    private static async Task<JsonElement?> ReadPodAutoscalerAsync(IKubernetes api, string ns, JsonElement service, CancellationToken cancellationToken)
    {
        if (!service.TryGetProperty("status", out var status)
            || !status.TryGetProperty("latestReadyRevisionName", out var revision)
            || revision.GetString() is not { Length: > 0 } name)
        {
            return null;
        }

        try
        {
            return ((JsonElement)await api.CustomObjects.GetNamespacedCustomObjectAsync(PodAutoscalerGroup, PodAutoscalerVersion, ns, PodAutoscalerPlural, name, cancellationToken).ConfigureAwait(false)).Clone();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            return null;
        }
    }

    private static string Name(JsonElement item) =>
        item.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "";

    /// <summary>The pods of a service, oldest first, by the labels every Hoist pod carries.</summary>
    public static async Task<IReadOnlyList<V1Pod>> PodsAsync(ClusterClient cluster, string ns, string service, CancellationToken cancellationToken) =>
        (await cluster.ListPodsAsync(ns, Selector(service), cancellationToken).ConfigureAwait(false))
            .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .ToArray();
}

using System.Net;
using System.Text.Json;
using Hoist.Backends.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Hoist.Manifests;

namespace Hoist.Cli.Cluster;

/// <summary>
/// Which namespace a named service lives in. A service may name its own (<c>[Compute(Namespace = "gpu-team")]</c>),
/// which <c>hoist status</c>, <c>teardown</c> and <c>call</c> do not know without the app: unless <c>--namespace</c>
/// says where to look, a service that is not in the current namespace is looked for in all of them, by its labels.
/// </summary>
internal static class ServiceNamespaces
{
    /// <summary>
    /// The namespace to use: the current one when <c>--namespace</c> named it or the service is there (or nowhere,
    /// so the error names it), else the one other namespace that has it. Several: the user says which. Pure.
    /// </summary>
    public static string Choose(string service, string current, bool namedOnCommandLine, IReadOnlyCollection<string> foundIn)
    {
        ArgumentNullException.ThrowIfNull(foundIn);
        if (namedOnCommandLine || foundIn.Count == 0 || foundIn.Contains(current, StringComparer.Ordinal))
        {
            return current;
        }

        var distinct = foundIn.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return distinct.Length == 1
            ? distinct[0]
            : throw new CliException(
                $"service '{service}' runs in several namespaces ({string.Join(", ", distinct)}), none of them the current one ({current})",
                $"pass --namespace {distinct[0]} (or another of them)",
                ExitCodes.Usage);
    }

    /// <summary>Where the service is, as <see cref="Choose"/> decides, from the cluster's Hoist workloads of that name in every namespace this user may list.</summary>
    public static async Task<string> FindAsync(ClusterTarget target, string service, CancellationToken cancellationToken)
    {
        if (target.NamespaceNamed)
        {
            return target.Namespace;
        }

        var selector = ServiceInventory.Selector(service);
        foreach (var kind in WorkloadKinds.All)
        {
            if ((await target.Cluster.ListAsync(kind.Resource, target.Namespace, selector, cancellationToken).ConfigureAwait(false)).Count > 0)
            {
                return target.Namespace;
            }
        }

        var found = new List<string>();
        foreach (var kind in WorkloadKinds.All)
        {
            found.AddRange(await ListEverywhereAsync(target.Cluster.Api, kind.Resource, selector, cancellationToken).ConfigureAwait(false));
        }

        return Choose(service, target.Namespace, namedOnCommandLine: false, found);
    }

    /// <summary>The namespaces of the objects of <paramref name="kind"/> matching <paramref name="selector"/> in all namespaces; none when this user may not list them there, or the kind is not installed.</summary>
    private static async Task<IReadOnlyList<string>> ListEverywhereAsync(IKubernetes api, ResourceKind kind, string selector, CancellationToken cancellationToken)
    {
        try
        {
            // Every workload kind by its group, version and plural (/apis/apps/v1/deployments as much as Knative's).
            var list = (JsonElement)await api.CustomObjects.ListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
            return list.TryGetProperty("items", out var items)
                ? items.EnumerateArray().Select(i => KubernetesJson.Deserialize<V1ObjectMeta>(i.GetProperty("metadata")).NamespaceProperty).ToArray()
                : [];
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            return [];
        }
    }
}

using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// The few API calls the backend makes, one method each, over KubernetesClient. Typed operations for the
/// built-in kinds besides the workloads; every workload kind (Deployment and StatefulSet as much as Knative's and
/// KubeRay's) by its group, version and plural through the generic object API, so what a kind means is known to its
/// <see cref="WorkloadKind"/> alone. Nothing here decides anything.
/// </summary>
internal sealed partial class ClusterClient(IKubernetes client, ILogger? logger = null) : IDisposable
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    /// <summary>The field manager of every apply: `kubectl get -o yaml --show-managed-fields` shows "hoist".</summary>
    public const string FieldManager = "hoist";

    /// <summary>The field manager of the last-activity stamp, apart from the spec Hoist applies.</summary>
    public const string ActivityFieldManager = "hoist-activity";

    public IKubernetes Api => client;

    /// <summary>
    /// Server-side apply (PATCH, <c>application/apply-patch+yaml</c>, force): the server merges the fields Hoist
    /// owns and leaves everyone else's alone, and applying the same object twice changes nothing. For a workload (every
    /// kind applied by its group, version and plural), the server's echo of what it stored: a field a CRD does not know
    /// is missing there.
    /// </summary>
    public async Task<JsonElement?> ApplyAsync(k8s.IKubernetesObject<V1ObjectMeta> value, CancellationToken cancellationToken)
    {
        var kind = ResourceKind.Of(value);
        var (name, ns) = (value.Metadata.Name, value.Metadata.NamespaceProperty);
        var patch = new V1Patch(ApplyBody(value), V1Patch.PatchType.ApplyPatch);
        switch (value)
        {
            case V1Service:
                await client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1Secret:
                await client.CoreV1.PatchNamespacedSecretAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1PersistentVolumeClaim:
                await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1ServiceAccount:
                await client.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1Role:
                await client.RbacAuthorizationV1.PatchNamespacedRoleAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1RoleBinding:
                await client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1NetworkPolicy:
                await client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1Lease:
                await client.CoordinationV1.PatchNamespacedLeaseAsync(patch, name, ns, fieldManager: ActivityFieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            default:
                return await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, kind.Group, kind.Version, ns, kind.Plural, name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false) is JsonElement echo
                    ? echo
                    : null;
        }

        return null;
    }

    /// <summary>
    /// The body of an apply: the object as camelCase JSON without nulls (YAML is a superset of JSON), except one null
    /// on purpose. A Deployment that switches to <c>Recreate</c> (a GPU service) still has the <c>rollingUpdate</c> the
    /// API server defaulted when it was RollingUpdate, owned by no field manager, so server-side apply keeps it and the
    /// API then refuses the object (kubernetes#24198); an explicit <c>rollingUpdate: null</c> clears it in the same apply.
    /// </summary>
    public static string ApplyBody(object value)
    {
        var json = KubernetesJson.Serialize(value);
        if (value is not V1Deployment { Spec.Strategy.Type: "Recreate" })
        {
            return json;
        }

        var body = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        body["spec"]!["strategy"]!["rollingUpdate"] = null;
        return body.ToJsonString();
    }

    /// <summary>
    /// A workload as the API returns it, or null when it does not exist (yet, or any more). Every workload kind is read
    /// by its group, version and plural (<c>/apis/apps/v1/.../deployments/name</c> as much as Knative's), so what it means
    /// is its kind's alone.
    /// </summary>
    public async Task<JsonElement?> ReadWorkloadAsync(WorkloadKind kind, string ns, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        try
        {
            return await ReadCustomAsync(kind.Resource, ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The readiness of a workload (<see cref="WorkloadKind.ReadinessOf"/>), or null when it does not exist (yet, or any more).</summary>
    public async Task<Readiness?> ReadReadinessAsync(WorkloadKind kind, string ns, string name, CancellationToken cancellationToken) =>
        await ReadWorkloadAsync(kind, ns, name, cancellationToken).ConfigureAwait(false) is { } workload ? kind.ReadinessOf(workload) : null;

    /// <summary>A workload's annotations, or null when it does not exist.</summary>
    public async Task<IDictionary<string, string>?> ReadAnnotationsAsync(WorkloadKind kind, string ns, string name, CancellationToken cancellationToken) =>
        await ReadMetadataAsync(kind, ns, name, cancellationToken).ConfigureAwait(false) is { } metadata
            ? metadata.Annotations ?? new Dictionary<string, string>()
            : null;

    /// <summary>A workload's metadata (labels, annotations, deletion), or null when it does not exist.</summary>
    public async Task<V1ObjectMeta?> ReadMetadataAsync(WorkloadKind kind, string ns, string name, CancellationToken cancellationToken) =>
        await ReadWorkloadAsync(kind, ns, name, cancellationToken).ConfigureAwait(false) is { } workload ? Metadata(workload) : null;

    /// <summary>
    /// The apps (<c>app.kubernetes.io/part-of</c>) that have an in-cluster controller in <paramref name="ns"/>; none when
    /// Deployments may not be listed there.
    /// </summary>
    public async Task<IReadOnlySet<string>> ListControllerAppsAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            var controllers = await client.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: $"{Manifests.ManifestLabels.Name}={Manifests.ControllerManifests.NameLabel}", cancellationToken: cancellationToken).ConfigureAwait(false);
            return controllers.Items
                .Where(d => d.Metadata?.DeletionTimestamp is null)
                .Select(d => d.Metadata?.Labels is { } labels && labels.TryGetValue(Manifests.ManifestLabels.PartOf, out var app) ? app : null)
                .OfType<string>()
                .ToHashSet(StringComparer.Ordinal);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>The Leases that match <paramref name="labelSelector"/> (the services' activity stamps).</summary>
    public async Task<IReadOnlyList<V1Lease>> ListLeasesAsync(string ns, string labelSelector, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.CoordinationV1.ListNamespacedLeaseAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.ToArray();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            LogForbidden(_logger, ResourceKind.Lease.ToString(), ns);
            return [];
        }
    }

    /// <summary>A Lease, or null when it does not exist or may not be read (the stamp is then unknown, not an error).</summary>
    public async Task<V1Lease?> ReadLeaseAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            return null;
        }
    }

    /// <summary>Deletes every pod that matches <paramref name="labelSelector"/>; their controller makes new ones.</summary>
    public Task DeletePodsAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<V1Pod>> ListPodsAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.ToArray();

    public async Task<IReadOnlyList<Corev1Event>> ListEventsAsync(string ns, CancellationToken cancellationToken) =>
        (await client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.ToArray();

    /// <summary>The last lines a container wrote before its latest exit (or now, if it has not restarted); null when unreadable.</summary>
    public async Task<string?> ReadLogTailAsync(string ns, string pod, string container, int lines, CancellationToken cancellationToken)
    {
        foreach (var previous in new[] { true, false })
        {
            try
            {
                using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container, previous: previous, tailLines: lines, cancellationToken: cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                if (text.Length > 0)
                {
                    return text;
                }
            }
            catch (HttpOperationException)
            {
                // No previous container, or the node is unreachable: try the next, then give up quietly.
            }
        }

        return null;
    }

    /// <summary>The names of the objects of <paramref name="kind"/> that match <paramref name="labelSelector"/>; empty when the kind is not installed.</summary>
    public async Task<IReadOnlyList<V1ObjectMeta>> ListAsync(ResourceKind kind, string ns, string labelSelector, CancellationToken cancellationToken)
    {
        try
        {
            if (kind == ResourceKind.Service)
            {
                return (await client.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.Select(i => i.Metadata).ToArray();
            }

            if (kind == ResourceKind.Secret)
            {
                return (await client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.Select(i => i.Metadata).ToArray();
            }

            if (kind == ResourceKind.Lease)
            {
                return (await ListLeasesAsync(ns, labelSelector, cancellationToken).ConfigureAwait(false)).Select(i => i.Metadata).ToArray();
            }

            if (kind == ResourceKind.ServiceAccount)
            {
                return (await client.CoreV1.ListNamespacedServiceAccountAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.Select(i => i.Metadata).ToArray();
            }

            if (kind == ResourceKind.Role)
            {
                return (await client.RbacAuthorizationV1.ListNamespacedRoleAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.Select(i => i.Metadata).ToArray();
            }

            if (kind == ResourceKind.NetworkPolicy)
            {
                return (await client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.Select(i => i.Metadata).ToArray();
            }

            if (kind == ResourceKind.RoleBinding)
            {
                return (await client.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.Select(i => i.Metadata).ToArray();
            }

            // The workloads and the rest of the kinds in a named group: by group, version and plural.
            return (await ListItemsAsync(kind, ns, labelSelector, cancellationToken).ConfigureAwait(false)).Select(Metadata).ToArray();
        }
        catch (HttpOperationException ex) when (IsAbsent(ex, kind, ns))
        {
            return [];
        }
    }

    /// <summary>The workloads of <paramref name="kind"/> that match <paramref name="labelSelector"/>, as the API returns them; none when the kind is not installed.</summary>
    public async Task<IReadOnlyList<JsonElement>> ListWorkloadsAsync(WorkloadKind kind, string ns, string labelSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        try
        {
            return await ListItemsAsync(kind.Resource, ns, labelSelector, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (IsAbsent(ex, kind.Resource, ns))
        {
            return [];
        }
    }

    private async Task<IReadOnlyList<JsonElement>> ListItemsAsync(ResourceKind kind, string ns, string labelSelector, CancellationToken cancellationToken)
    {
        var list = (JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync(kind.Group, kind.Version, ns, kind.Plural, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.TryGetProperty("items", out var items) ? items.EnumerateArray().Select(i => i.Clone()).ToArray() : [];
    }

    /// <summary>
    /// Whether a list's failure means "none here": the CRD is not installed (no Knative, no KubeRay), or a
    /// namespace-scoped developer may not list a kind they never use, so a teardown, a status or the TTL janitor goes
    /// on with the kinds it may see, and says (once per list) what it could not.
    /// </summary>
    private bool IsAbsent(HttpOperationException ex, ResourceKind kind, string ns)
    {
        if (ex.Response.StatusCode == HttpStatusCode.NotFound && kind.IsCustom)
        {
            return true;
        }

        if (ex.Response.StatusCode == HttpStatusCode.Forbidden && kind.AbsentWhenForbidden)
        {
            LogForbidden(_logger, kind.ToString(), ns);
            return true;
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not allowed to list {Kind} in namespace {Namespace} (403): treating it as having none. Grant list on it if Hoist uses that kind there.")]
    private static partial void LogForbidden(ILogger logger, string kind, string @namespace);

    /// <summary>Deletes one object, its dependents in the background; already gone is fine.</summary>
    public async Task DeleteAsync(ResourceKind kind, string ns, string name, CancellationToken cancellationToken)
    {
        const string Background = "Background";
        try
        {
            if (kind == ResourceKind.Service)
            {
                await client.CoreV1.DeleteNamespacedServiceAsync(name, ns, propagationPolicy: Background, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else if (kind == ResourceKind.Secret)
            {
                await client.CoreV1.DeleteNamespacedSecretAsync(name, ns, propagationPolicy: Background, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else if (kind == ResourceKind.Lease)
            {
                await client.CoordinationV1.DeleteNamespacedLeaseAsync(name, ns, propagationPolicy: Background, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else if (kind == ResourceKind.ServiceAccount)
            {
                await client.CoreV1.DeleteNamespacedServiceAccountAsync(name, ns, propagationPolicy: Background, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else if (kind == ResourceKind.Role)
            {
                await client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(name, ns, propagationPolicy: Background, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else if (kind == ResourceKind.NetworkPolicy)
            {
                await client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, ns, propagationPolicy: Background, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else if (kind == ResourceKind.RoleBinding)
            {
                await client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(name, ns, propagationPolicy: Background, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await client.CustomObjects.DeleteNamespacedCustomObjectAsync(kind.Group, kind.Version, ns, kind.Plural, name, propagationPolicy: Background, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    /// <summary>
    /// Creates <paramref name="secret"/> unless one of its name exists: true when this call made it, false when the API
    /// answered 409 AlreadyExists (someone else's create won, and theirs stands).
    /// </summary>
    public async Task<bool> CreateIfAbsentAsync(V1Secret secret, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(secret, secret.Metadata.NamespaceProperty, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <summary>The value under <paramref name="key"/> of a Secret, or null when the Secret or key does not exist.</summary>
    public async Task<string?> ReadSecretValueAsync(string ns, string name, string key, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            return secret.Data is { } data && data.TryGetValue(key, out var bytes) && bytes is { Length: > 0 } ? Encoding.UTF8.GetString(bytes) : null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// A Secret, or null when it does not exist or this identity may not read it (said once as a warning: a new value
    /// of it then does not roll the pods that use it, see <see cref="SecretVersions"/>).
    /// </summary>
    public async Task<V1Secret?> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            lock (_unreadableMaps)
            {
                if (_unreadableMaps.Add($"secret {ns}/{name}"))
                {
                    LogSecretUnreadable(_logger, ns, name);
                }
            }

            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read Secret {Namespace}/{Name} (403): a new value of it will not roll the pods that use it; grant get on it, or run kubectl rollout restart after rotating it.")]
    private static partial void LogSecretUnreadable(ILogger logger, string @namespace, string name);

    /// <summary>
    /// The data of a ConfigMap, or null when it cannot be read: not there (404) or not readable with these rights
    /// (403), each said once as a warning, since what it would have told is then left unchecked.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>?> ReadConfigMapDataAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var map = await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            return map.Data is { } data ? new Dictionary<string, string>(data, StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            lock (_unreadableMaps)
            {
                if (_unreadableMaps.Add($"{ns}/{name}"))
                {
                    LogConfigMapUnreadable(_logger, ns, name, (int)ex.Response.StatusCode);
                }
            }

            return null;
        }
    }

    private readonly HashSet<string> _unreadableMaps = new(StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read ConfigMap {Namespace}/{Name} ({Status}): the settings it holds are not checked before applying; the API server will judge them.")]
    private static partial void LogConfigMapUnreadable(ILogger logger, string @namespace, string name, int status);

    /// <summary>A port-forward WebSocket to one port of a pod (protocol <c>v4.channel.k8s.io</c>).</summary>
    public Task<WebSocket> PortForwardAsync(string ns, string pod, int port, CancellationToken cancellationToken) =>
        client.WebSocketNamespacedPodPortForwardAsync(pod, ns, [port], "v4.channel.k8s.io", cancellationToken: cancellationToken);

    public void Dispose() => client.Dispose();

    private async Task<JsonElement> ReadCustomAsync(ResourceKind kind, string ns, string name, CancellationToken cancellationToken) =>
        (JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(kind.Group, kind.Version, ns, kind.Plural, name, cancellationToken).ConfigureAwait(false);

    private static V1ObjectMeta Metadata(JsonElement item) =>
        item.TryGetProperty("metadata", out var metadata) ? KubernetesJson.Deserialize<V1ObjectMeta>(metadata) : new V1ObjectMeta();
}

using System.Security.Cryptography;
using Hoist.Manifests;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Putting a rendered service on the cluster, the one way the Kubernetes backend and <c>hoist deploy</c> both do
/// it: the call token (the one the workers already have, so a second deploy never locks out running callers), its
/// Secret, every object with the token's and its Secrets' digests stamped on it (a new token or secret value rolls the pods), and a first activity
/// stamp, so the InactivityTtl janitor does not take a fresh deploy for an idle one.
/// </summary>
internal static partial class ServiceRollout
{
    /// <summary>
    /// The configured token, else the one in the app's Secret in <paramref name="ns"/>, else a new random one, made the
    /// Secret by a create that only one of two racing first deploys wins: the other gets 409 and reads the winner's back,
    /// so both run with one token instead of the last writer's.
    /// </summary>
    public static async Task<string> TokenAsync(ClusterClient cluster, string ns, ManifestOptions options, string? configured, CancellationToken cancellationToken)
    {
        if (configured is { Length: > 0 })
        {
            return configured;
        }

        var name = options.ResolvedTokenSecretName;
        if (await cluster.ReadSecretValueAsync(ns, name, ManifestOptions.TokenSecretKey, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return stored;
        }

        var minted = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        if (await cluster.CreateIfAbsentAsync(DeployTimeAnnotations.TokenSecret(options, minted, ns), cancellationToken).ConfigureAwait(false))
        {
            return minted;
        }

        return await cluster.ReadSecretValueAsync(ns, name, ManifestOptions.TokenSecretKey, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Secret {ns}/{name} exists but has no '{ManifestOptions.TokenSecretKey}' key: delete it, or put the call token under that key.");
    }

    /// <summary>
    /// The deploy's placing step: uses the service already on the cluster as it is when <see cref="Adoption"/> says so
    /// (stamping its activity), else applies <paramref name="objects"/>; where the service now is.
    /// </summary>
    public static async Task<ServiceLayout> AdoptOrApplyAsync(
        ClusterClient cluster,
        ServiceDescriptor descriptor,
        IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects,
        ManifestOptions options,
        string token,
        DateTimeOffset now,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var rendered = ServiceLayout.From(descriptor, objects);
        var adoption = await DecideAdoptionAsync(cluster, descriptor, rendered, token, cancellationToken).ConfigureAwait(false);
        if (adoption.Adopt)
        {
            LogAdopted(logger, descriptor.Name, rendered.WorkloadKind.Resource.Kind, rendered.WorkloadName, rendered.Namespace, adoption.Reason);
            await StampActivityAsync(cluster, rendered, now, cancellationToken).ConfigureAwait(false);
            return rendered;
        }

        var layout = await ApplyAsync(cluster, descriptor, objects, options, token, now, cancellationToken).ConfigureAwait(false);
        LogApplied(logger, descriptor.Name, layout.WorkloadKind.Resource.Kind, layout.WorkloadName, layout.Namespace, objects.Count);
        return layout;
    }

    /// <summary>Whether to use the service already on the cluster as it is (<see cref="Adoption"/>), from its live workload.</summary>
    private static async Task<AdoptionDecision> DecideAdoptionAsync(ClusterClient cluster, ServiceDescriptor descriptor, ServiceLayout rendered, string token, CancellationToken cancellationToken)
    {
        var live = await cluster.ReadMetadataAsync(rendered.WorkloadKind, rendered.Namespace, rendered.WorkloadName, cancellationToken).ConfigureAwait(false);
        var readiness = live is null ? null : await cluster.ReadReadinessAsync(rendered.WorkloadKind, rendered.Namespace, rendered.WorkloadName, cancellationToken).ConfigureAwait(false);
        var secrets = live is null ? null : await SecretVersions.ReadDigestAsync(cluster, rendered.Namespace, descriptor, cancellationToken).ConfigureAwait(false);
        return Adoption.Decide(rendered, live, readiness, DeployTimeAnnotations.DescriptorDigest(descriptor), DeployTimeAnnotations.Digest(token), secrets);
    }

    /// <summary>Applies the token Secret and the service's objects with server-side apply, and stamps its activity as of <paramref name="now"/>.</summary>
    public static async Task<ServiceLayout> ApplyAsync(
        ClusterClient cluster,
        ServiceDescriptor descriptor,
        IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects,
        ManifestOptions options,
        string token,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var layout = ServiceLayout.From(descriptor, objects);
        await RefuseWhatKnativeWouldRefuseAsync(cluster, descriptor.Name, objects, cancellationToken).ConfigureAwait(false);
        await ClearTheWayAsync(cluster, layout, objects, cancellationToken).ConfigureAwait(false);
        await cluster.ApplyAsync(DeployTimeAnnotations.TokenSecret(options, token, layout.Namespace), cancellationToken).ConfigureAwait(false);

        // A kind whose pods an apply may leave on the old spec is read first, to judge from its echo (WorkloadKind.RestartsPods).
        var kind = layout.WorkloadKind;
        var before = kind.MayRestartPodsOnApply ? await cluster.ReadWorkloadAsync(kind, layout.Namespace, layout.WorkloadName, cancellationToken).ConfigureAwait(false) : null;
        var digest = DeployTimeAnnotations.Digest(token);
        var settings = DeployTimeAnnotations.DescriptorDigest(descriptor);
        var secrets = await SecretVersions.ReadDigestAsync(cluster, layout.Namespace, descriptor, cancellationToken).ConfigureAwait(false);
        var restart = false;
        foreach (var value in objects)
        {
            DeployTimeAnnotations.Stamp(value, digest, settings, secrets);
            var echo = await cluster.ApplyAsync(value, cancellationToken).ConfigureAwait(false);
            restart |= kind.MayRestartPodsOnApply && kind.IsWorkload(value) && echo is { } applied && kind.RestartsPods(before, applied);
        }

        if (restart)
        {
            // A group restarts every rank together, never half old and half new, so a collective never waits on a rank of
            // the other version; a RayCluster on a KubeRay before 1.6.0, which dropped upgradeStrategy: Recreate, all at once.
            await cluster.DeletePodsAsync(layout.Namespace, layout.PodSelector, cancellationToken).ConfigureAwait(false);
        }

        await StampActivityAsync(cluster, layout, now, cancellationToken).ConfigureAwait(false);
        return layout;
    }

    /// <summary>
    /// For a Knative Service: reads Knative's ConfigMaps and refuses, before anything is applied, when the service
    /// needs a setting the cluster does not have (<see cref="KnativeAdmission"/>). A ConfigMap that cannot be read
    /// is a warning, and the API server judges what it would have told.
    /// </summary>
    public static async Task RefuseWhatKnativeWouldRefuseAsync(ClusterClient cluster, string service, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, CancellationToken cancellationToken)
    {
        if (objects.OfType<KnativeService>().FirstOrDefault() is not { } knative)
        {
            return;
        }

        var maps = new Dictionary<string, IReadOnlyDictionary<string, string>?>(StringComparer.Ordinal);
        foreach (var name in KnativeClusterConfig.Maps)
        {
            maps[name] = await cluster.ReadConfigMapDataAsync(KnativeClusterConfig.Namespace, name, cancellationToken).ConfigureAwait(false);
        }

        var config = new KnativeClusterConfig(maps[KnativeClusterConfig.FeaturesMap], maps[KnativeClusterConfig.AutoscalerMap], maps[KnativeClusterConfig.DefaultsMap]);
        if (KnativeAdmission.Refusals(service, knative, config) is { Count: > 0 } refusals)
        {
            throw new RolloutRefusedException(service, string.Join('\n', refusals.Select(r => r.Line)))
            {
                Hint = "a cluster admin runs the kubectl patch above (the ConfigMaps live in knative-serving), or the service drops what needs it",
            };
        }
    }

    /// <summary>
    /// Refuses to take over another app's objects of the same name, and deletes what an earlier rendering of this
    /// service left that this one does not have (<see cref="RolloutPlan"/>).
    /// </summary>
    private static async Task ClearTheWayAsync(ClusterClient cluster, ServiceLayout layout, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, CancellationToken cancellationToken)
    {
        var live = new List<LiveObject>();
        var selector = HoistSelectors.Format([new(ManifestLabels.Name, layout.Service), new(ManifestLabels.ManagedBy, ManifestLabels.ManagedByHoist)]);
        foreach (var kind in ResourceKind.ServiceObjects)
        {
            live.AddRange((await cluster.ListAsync(kind, layout.Namespace, selector, cancellationToken).ConfigureAwait(false)).Select(m => new LiveObject(kind, m)));
        }

        if (RolloutPlan.Conflict(layout, objects, live) is { } conflict)
        {
            throw new RolloutRefusedException(layout.Service, conflict);
        }

        foreach (var stale in RolloutPlan.Stale(layout, objects, live))
        {
            await cluster.DeleteAsync(stale.Kind, layout.Namespace, stale.Metadata.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records that a client used the service at <paramref name="at"/>: renews its activity Lease.</summary>
    public static Task StampActivityAsync(ClusterClient cluster, ServiceLayout layout, DateTimeOffset at, CancellationToken cancellationToken) =>
        cluster.ApplyAsync(InactivityPolicy.ActivityLease(layout.Service, layout.Instance, layout.Namespace, at, Holder), cancellationToken);

    /// <summary>When some client last used the service, as far as the cluster knows (its Lease; an older client's stamp), or null when it does not exist.</summary>
    public static async Task<DateTimeOffset?> ReadActivityAsync(ClusterClient cluster, ServiceLayout layout, DateTimeOffset? local, CancellationToken cancellationToken)
    {
        var annotations = await cluster.ReadAnnotationsAsync(layout.WorkloadKind, layout.Namespace, layout.WorkloadName, cancellationToken).ConfigureAwait(false);
        if (annotations is null)
        {
            return null;
        }

        var lease = await cluster.ReadLeaseAsync(layout.Namespace, InactivityPolicy.LeaseName(layout.Instance), cancellationToken).ConfigureAwait(false);
        return InactivityPolicy.LastActivity(InactivityPolicy.Renewed(lease), annotations, created: null, local);
    }

    /// <summary>
    /// Deletes every object of a teardown's <paramref name="selector"/> in <paramref name="ns"/>, workloads first (they
    /// take their pods, ReplicaSets and revisions with them), then the Services, then the activity Lease; what it deleted.
    /// </summary>
    public static async Task<IReadOnlyList<string>> TearDownAsync(ClusterClient cluster, string ns, string selector, CancellationToken cancellationToken)
    {
        var deleted = new List<string>();
        foreach (var kind in ResourceKind.Teardown)
        {
            foreach (var metadata in await cluster.ListAsync(kind, ns, selector, cancellationToken).ConfigureAwait(false))
            {
                await cluster.DeleteAsync(kind, ns, metadata.Name, cancellationToken).ConfigureAwait(false);
                deleted.Add($"{kind.Kind} {metadata.Name}");
            }
        }

        return deleted;
    }

    /// <summary>Who renewed a Lease last, for <c>kubectl get lease</c>: this machine and process.</summary>
    private static string Holder { get; } = $"hoist/{Environment.MachineName}/{Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: using {Kind} {Workload} in namespace {Namespace} as it is, without applying: {Reason}")]
    private static partial void LogAdopted(ILogger logger, string service, string kind, string workload, string @namespace, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: applied {Count} objects ({Kind} {Workload} in namespace {Namespace}); waiting until it is ready")]
    private static partial void LogApplied(ILogger logger, string service, string kind, string workload, string @namespace, int count);
}

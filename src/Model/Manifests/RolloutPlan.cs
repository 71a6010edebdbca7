using System.Text.Json;
using Hoist.Manifests;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>An object of a service found on the cluster: its kind and its metadata.</summary>
internal sealed record LiveObject(ResourceKind Kind, V1ObjectMeta Metadata);

/// <summary>
/// What to do about what is already on the cluster before a service is applied. Pure, over the rendered objects
/// and the live objects that carry the service's name label, so a test checks each decision with recorded objects.
/// </summary>
internal static class RolloutPlan
{
    /// <summary>
    /// Why applying would take over another app's objects, or null. Server-side apply forces, so two apps that
    /// both name a service "embed" in one namespace would otherwise hijack each other's workers.
    /// </summary>
    public static string? Conflict(ServiceLayout layout, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> rendered, IEnumerable<LiveObject> live)
    {
        var names = rendered.Select(o => (ResourceKind.Of(o), o.Metadata.Name)).ToHashSet();
        foreach (var found in live)
        {
            var instance = Label(found.Metadata, ManifestLabels.Instance);
            if (IsHoists(found.Metadata) && instance != layout.Instance && names.Contains((found.Kind, found.Metadata.Name)))
            {
                var app = Label(found.Metadata, ManifestLabels.PartOf) ?? "another app";
                return $"{found.Kind.Kind} {found.Metadata.Name} in namespace {layout.Namespace} belongs to {app} ({ManifestLabels.Instance}={instance}), " +
                       $"not to this app's service '{layout.Service}' ({layout.Instance}). Give one of the services another [Compute(Name)], " +
                       "or deploy them to different namespaces.";
            }
        }

        return null;
    }

    /// <summary>
    /// This app's objects for the service that the current rendering no longer has: what a change of kind (plain
    /// to [Autoscale], to or from [Distribute]) leaves behind. A Service left from a plain deploy would block the
    /// Knative route ("does not own Service"), and a left workload would take traffic through the shared selector.
    /// Objects a controller made (Knative's own Services, a Deployment's ReplicaSets) are its to clean up.
    /// </summary>
    public static IReadOnlyList<LiveObject> Stale(ServiceLayout layout, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> rendered, IEnumerable<LiveObject> live)
    {
        var names = rendered.Select(o => (ResourceKind.Of(o), o.Metadata.Name)).ToHashSet();
        return live
            .Where(found => IsHoists(found.Metadata)
                && Label(found.Metadata, ManifestLabels.Instance) == layout.Instance
                && found.Metadata.OwnerReferences is not { Count: > 0 }
                && !names.Contains((found.Kind, found.Metadata.Name)))
            .ToArray();
    }

    /// <summary>
    /// Whether an apply changed a running group's spec, so that its ranks must restart together: the StatefulSet
    /// existed before with ranks to restart (<paramref name="replicasBefore"/> above zero) and its generation moved. A
    /// new group starts whole by itself, and so does one the controller had scaled to zero, whose apply brings every
    /// rank back on the new spec; an unchanged one stays.
    /// </summary>
    public static bool RestartsGroup(long? generationBefore, long? generationAfter, int replicasBefore) =>
        generationBefore is { } before && generationAfter is { } after && after != before && replicasBefore > 0;

    /// <summary>
    /// Whether an apply changed a RayCluster that KubeRay will not recreate by itself, so the backend must delete its
    /// pods for the new code and token to reach them: the cluster existed before, its generation moved, and the
    /// server's echo has no <c>spec.upgradeStrategy</c>. The field exists from KubeRay 1.6.0; an older CRD prunes it
    /// with a warning only, and KubeRay then leaves the running head on its old spec while reporting it ready.
    /// </summary>
    public static bool RestartsRayPods(long? generationBefore, JsonElement echo)
    {
        var generationAfter = echo.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("generation", out var g) && g.TryGetInt64(out var n) ? n : (long?)null;
        var upgrades = echo.TryGetProperty("spec", out var spec) && spec.TryGetProperty("upgradeStrategy", out var strategy) && strategy.ValueKind == JsonValueKind.Object;
        return !upgrades && generationBefore is { } before && generationAfter is { } after && after != before;
    }

    private static bool IsHoists(V1ObjectMeta metadata) => Label(metadata, ManifestLabels.ManagedBy) == ManifestLabels.ManagedByHoist;

    private static string? Label(V1ObjectMeta metadata, string key) =>
        metadata.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;
}

using System.Text.Json;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// [Distribute("ray")]: a KubeRay RayCluster, whose head runs the Hoist worker beside Ray, behind a ClusterIP Service
/// on the head. KubeRay recreates its pods on a spec change from 1.6.0 (upgradeStrategy); on an older KubeRay the
/// rollout deletes them. Ray's own autoscaler, not Hoist's, scales its workers.
/// </summary>
internal sealed class RayClusterKind : WorkloadKind
{
    /// <summary>The [Distribute] type that runs as a RayCluster.</summary>
    public const string DistributionType = "ray";

    public override ResourceKind Resource { get; } = new("RayCluster", RayCluster.RayGroup, "v1", "rayclusters") { IsCustom = true };

    public override bool Runs(ServiceDescriptor descriptor) => descriptor.Distribution is { Type: DistributionType };

    public override IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Render(RenderTarget target) => ManifestRenderer.RenderRay(target, target.Descriptor.Distribution!);

    public override bool IsWorkload(IKubernetesObject<V1ObjectMeta> value) => value is RayCluster;

    /// <summary>
    /// A KubeRay RayCluster that serves its current spec: KubeRay has seen the current generation, the head pod is
    /// ready by the current <c>HeadPodReady</c> condition and every worker is ready. <c>status.state</c> "ready"
    /// alone is not enough, since KubeRay never clears it (nor RayClusterProvisioned) when the spec changes: it is
    /// the signal only on a KubeRay old enough to have no conditions.
    /// </summary>
    public override Readiness ReadinessOf(JsonElement workload)
    {
        var status = WorkloadReadiness.Child(workload, "status");
        var desiredWorkers = (int)(WorkloadReadiness.Long(workload, "status", "desiredWorkerReplicas") ?? 0);
        var readyWorkers = (int)(WorkloadReadiness.Long(workload, "status", "readyWorkerReplicas") ?? 0);
        var desired = desiredWorkers + 1;
        if (status is null)
        {
            return Readiness.Waiting(0, desired, "KubeRay has not reported a status yet");
        }

        var generation = WorkloadReadiness.Long(workload, "metadata", "generation");
        if (generation is { } current && WorkloadReadiness.Long(workload, "status", "observedGeneration") is { } observed && observed < current)
        {
            return Readiness.Waiting(readyWorkers, desired, "KubeRay has not seen the current spec yet");
        }

        var state = WorkloadReadiness.String(workload, "status", "state");
        var headReady = WorkloadReadiness.Condition(status.Value, "HeadPodReady");
        var isReady = headReady is { } head
            ? head.Status == "True" && (head.ObservedGeneration is null || generation is null || head.ObservedGeneration >= generation) && readyWorkers >= desiredWorkers
            : string.Equals(state, "ready", StringComparison.OrdinalIgnoreCase);
        if (isReady)
        {
            return new Readiness(true, readyWorkers + 1, desired, "ready");
        }

        var provisioned = WorkloadReadiness.Condition(status.Value, "RayClusterProvisioned");
        var detail = WorkloadReadiness.String(workload, "status", "reason")
            ?? (headReady is { Status: not "True" } ? headReady.Value.Message ?? "the head pod is not ready" : null)
            ?? (readyWorkers < desiredWorkers ? provisioned?.Message ?? $"{Count(readyWorkers)} of {Count(desiredWorkers)} workers ready" : null)
            ?? $"state {state ?? "unknown"}";
        return Readiness.Waiting(readyWorkers + (headReady is { Status: "True" } ? 1 : 0), desired, detail);
    }

    public override IReadOnlyList<WorkerRoute> Routes(ServiceLayout layout, Readiness readiness, bool clusterDns, RouteSettings settings) =>
        ServiceRoute(layout, clusterDns, settings);

    /// <summary>Only the head runs a Hoist worker.</summary>
    public override string WorkerPodSelector(ServiceLayout layout) => $"{layout.PodSelector},{WorkerRoutes.RayHeadSelector}";

    /// <summary>Only the head runs a Hoist worker; Ray's own workers never see the token.</summary>
    public override IEnumerable<V1ObjectMeta> TokenTemplates(IKubernetesObject<V1ObjectMeta> workload) =>
        workload is RayCluster ray ? [ray.Spec.HeadGroupSpec.Template.Metadata ??= new V1ObjectMeta()] : [];

    /// <summary>Ray tasks run on the workers too, with the service's [Secret]s.</summary>
    public override IEnumerable<V1ObjectMeta> SecretTemplates(IKubernetesObject<V1ObjectMeta> workload) =>
        workload is RayCluster ray
            ? [.. TokenTemplates(workload), .. ray.Spec.WorkerGroupSpecs.Select(g => g.Template.Metadata ??= new V1ObjectMeta())]
            : [];

    public override bool MayRestartPodsOnApply => true;

    /// <summary>A KubeRay before 1.6.0 drops upgradeStrategy: Recreate, and then the rollout recreates the pods (<see cref="RolloutPlan.RestartsRayPods"/>).</summary>
    public override bool RestartsPods(JsonElement? before, JsonElement applied) =>
        RolloutPlan.RestartsRayPods(before is { } was ? WorkloadReadiness.Long(was, "metadata", "generation") : null, applied);

    public override ServiceRow StatusRow(JsonElement workload, LiveScale? live)
    {
        var readiness = ReadinessOf(workload);
        var metadata = Metadata(workload);
        return new ServiceRow(ServiceName(metadata), "RayCluster", metadata.NamespaceProperty, readiness.Ready, readiness.Desired, AutoscaleAnnotations.None, State(readiness));
    }
}

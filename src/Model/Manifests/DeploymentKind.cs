using System.Text.Json;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// A plain service: one replica of a Deployment behind a ClusterIP Service. The in-cluster controller takes it to
/// zero after its InactivityTtl.
/// </summary>
internal sealed class DeploymentKind : WorkloadKind
{
    public override ResourceKind Resource { get; } = new("Deployment", "apps", "v1", "deployments");

    public override bool Runs(ServiceDescriptor descriptor) => descriptor.Distribution is null && descriptor.Autoscale is null;

    public override IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Render(RenderTarget target) => ManifestRenderer.RenderDeployment(target);

    public override bool IsWorkload(IKubernetesObject<V1ObjectMeta> value) => value is V1Deployment;

    public override Readiness ReadinessOf(JsonElement workload) => ReadinessOf(As<V1Deployment>(workload));

    /// <summary>Ready the way <c>kubectl rollout status</c> says: the controller saw the spec, every replica is updated and available, no old one is left.</summary>
    public static Readiness ReadinessOf(V1Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var desired = deployment.Spec?.Replicas ?? 1;
        var status = deployment.Status;
        var ready = status?.ReadyReplicas ?? 0;
        if (Unreconciled(desired, ready, status is not null, status?.ObservedGeneration, deployment.Metadata?.Generation, "deployment") is { } waiting)
        {
            return waiting;
        }

        // Past Unreconciled, there is a status.
        if (status!.Conditions?.FirstOrDefault(c => c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded") is { } stuck)
        {
            return Readiness.Waiting(ready, desired, $"rollout stuck: {stuck.Message}");
        }

        var updated = status.UpdatedReplicas ?? 0;
        if (updated < desired)
        {
            return Readiness.Waiting(ready, desired, $"{Count(updated)} of {Count(desired)} replicas updated");
        }

        if ((status.Replicas ?? 0) > updated)
        {
            return Readiness.Waiting(ready, desired, $"{Count((status.Replicas ?? 0) - updated)} old replicas are pending termination");
        }

        var available = status.AvailableReplicas ?? 0;
        return available < updated
            ? Readiness.Waiting(ready, desired, $"{Count(available)} of {Count(updated)} updated replicas available")
            : new Readiness(true, ready, desired, "ready");
    }

    public override IReadOnlyList<WorkerRoute> Routes(ServiceLayout layout, Readiness readiness, bool clusterDns, RouteSettings settings) =>
        ServiceRoute(layout, clusterDns, settings);

    public override IEnumerable<V1ObjectMeta> TokenTemplates(IKubernetesObject<V1ObjectMeta> workload) =>
        workload is V1Deployment { Spec.Template: { } template } ? [template.Metadata ??= new V1ObjectMeta()] : [];

    public override bool ControllerScales => true;

    public override ScaledWorkload? Scaled(IKubernetesObject<V1ObjectMeta> workload) => workload is V1Deployment deployment ? ScaledOf(deployment) : null;

    public override ScaledWorkload? Scaled(JsonElement workload) => ScaledOf(As<V1Deployment>(workload));

    /// <summary>A Deployment the controller takes to zero after its InactivityTtl, or null when it has none.</summary>
    public ScaledWorkload? ScaledOf(V1Deployment deployment)
    {
        var metadata = deployment.Metadata;
        if (ScaledWorkload.Ttl(metadata) is not { } ttl || ScaledWorkload.Identity(metadata) is not var (service, instance))
        {
            return null;
        }

        return new ScaledWorkload(
            Resource,
            metadata!.NamespaceProperty,
            metadata.Name,
            instance,
            GroupSize: 1,
            deployment.Spec?.Replicas ?? 0,
            deployment.Status?.ReadyReplicas ?? 0,
            ScaledWorkload.Describe(service, metadata, ttl, autoscale: null, distribution: null),
            metadata)
        {
            PodSelector = HoistSelectors.Pods(deployment.Spec?.Selector?.MatchLabels ?? new Dictionary<string, string>()),
        };
    }

    public override ServiceRow StatusRow(JsonElement workload, LiveScale? live) => Row(As<V1Deployment>(workload));

    public static ServiceRow Row(V1Deployment deployment)
    {
        var readiness = ReadinessOf(deployment);
        return new ServiceRow(ServiceName(deployment.Metadata), "Deployment", deployment.Metadata.NamespaceProperty, readiness.Ready, readiness.Desired, AutoscaleAnnotations.None, State(readiness));
    }
}

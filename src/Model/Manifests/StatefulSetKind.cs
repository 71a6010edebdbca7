using System.Text.Json;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// A distributed group ([Distribute] pytorch, jax, tensorflow or spmd): a StatefulSet whose pod ordinal is the rank,
/// with a headless Service for the ranks' DNS names and a ClusterIP Service. It updates OnDelete, so a rollout restarts
/// every rank at once; the in-cluster controller scales it by its [Autoscale] settings or takes it to zero after its
/// InactivityTtl.
/// </summary>
internal sealed class StatefulSetKind : WorkloadKind
{
    public override ResourceKind Resource { get; } = new("StatefulSet", "apps", "v1", "statefulsets");

    public override bool Runs(ServiceDescriptor descriptor) => descriptor.Distribution is { Type: not RayClusterKind.DistributionType };

    /// <summary>
    /// Whether the service may run more than one group, so its StatefulSet's ordinal blocks of Workers pods make the
    /// groups (docs/kubernetes.md, "Groups that scale out"): [Autoscale] with MaxScale other than 1 (0 is no bound), or
    /// MinScale or InitialScale above 1. Any other group service renders as one group, rank = ordinal, as before.
    /// </summary>
    public static bool RunsManyGroups(ServiceDescriptor descriptor) =>
        descriptor.Distribution is { Type: not RayClusterKind.DistributionType }
        && descriptor.Autoscale is { } autoscale
        && (autoscale.MaxScale != 1 || autoscale.InitialScale > 1 || AutoscaleAnnotations.EffectiveMinScale(autoscale) > 1);

    /// <summary>
    /// The groups a set that runs many is rendered with: InitialScale, at least the effective MinScale, and at least
    /// one, since applying the set is how a call wakes it.
    /// </summary>
    public static int InitialGroups(ServiceDescriptor descriptor) =>
        descriptor.Autoscale is { } autoscale ? Math.Max(1, Math.Max(autoscale.InitialScale, AutoscaleAnnotations.EffectiveMinScale(autoscale))) : 1;

    public override IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Render(RenderTarget target) => ManifestRenderer.RenderStatefulSet(target, target.Descriptor.Distribution!);

    public override bool IsWorkload(IKubernetesObject<V1ObjectMeta> value) => value is V1StatefulSet;

    public override int Ranks(IKubernetesObject<V1ObjectMeta> workload) => workload is V1StatefulSet set ? set.Spec?.Replicas ?? 1 : 1;

    public override int Ranks(JsonElement workload) => (int?)WorkloadReadiness.Long(workload, "spec", "replicas") ?? 1;

    public override Readiness ReadinessOf(JsonElement workload) => ReadinessOf(As<V1StatefulSet>(workload));

    /// <summary>Ready when the controller saw the spec and every rank is ready on the update revision, none left over.</summary>
    public static Readiness ReadinessOf(V1StatefulSet statefulSet)
    {
        ArgumentNullException.ThrowIfNull(statefulSet);
        var desired = statefulSet.Spec?.Replicas ?? 1;
        var status = statefulSet.Status;
        var ready = status?.ReadyReplicas ?? 0;
        if (Unreconciled(desired, ready, status is not null, status?.ObservedGeneration, statefulSet.Metadata?.Generation, "statefulset") is { } waiting)
        {
            return waiting;
        }

        if (ready < desired)
        {
            return Readiness.Waiting(ready, desired, $"{Count(ready)} of {Count(desired)} ranks ready");
        }

        // updatedReplicas counts the pods whose controller-revision-hash is the update revision, whatever the
        // strategy (computeReplicaStatus in kubernetes' pkg/controller/statefulset/stateful_set_control.go): every
        // rank on it means no group mixes old and new code. (Past Unreconciled, there is a status.)
        if ((status!.UpdatedReplicas ?? 0) < desired)
        {
            return Readiness.Waiting(ready, desired, $"{Count(status.UpdatedReplicas ?? 0)} of {Count(desired)} ranks updated");
        }

        if (status.Replicas > desired)
        {
            return Readiness.Waiting(ready, desired, $"{Count(status.Replicas - desired)} old ranks are pending termination");
        }

        // Under OnDelete the controller never moves currentRevision to updateRevision (kubernetes#73492, #106055), so
        // it cannot say when a rollout is over; the count above does. Under RollingUpdate it moves when one completes.
        return !IsOnDelete(statefulSet) && status.UpdateRevision is { Length: > 0 } update && status.CurrentRevision != update
            ? Readiness.Waiting(ready, desired, "rolling update in progress")
            : new Readiness(true, ready, desired, "ready");
    }

    private static bool IsOnDelete(V1StatefulSet statefulSet) =>
        string.Equals(statefulSet.Spec?.UpdateStrategy?.Type, "OnDelete", StringComparison.Ordinal);

    /// <summary>
    /// One endpoint per pod, in ordinal order: its DNS name under the headless Service, or a port-forward to it. Its rank
    /// is the ordinal within its group's block, so consecutive runs of <see cref="ServiceLayout.GroupSize"/> routes are
    /// the groups the client picks among (<c>KubernetesDeployment.Groups</c>). A set of ordinal blocks has as many as
    /// its live replicas hold whole groups, since the controller sets them; any other set has its rendered ranks.
    /// </summary>
    public override IReadOnlyList<WorkerRoute> Routes(ServiceLayout layout, Readiness readiness, bool clusterDns, RouteSettings settings) =>
        Enumerable.Range(0, layout.GroupsScaleOut && readiness.Desired >= layout.GroupSize ? readiness.Desired / layout.GroupSize * layout.GroupSize : layout.Ranks)
            .Select(ordinal => RouteTo(layout, ordinal, clusterDns, settings))
            .ToArray();

    /// <summary>
    /// A set of ordinal blocks as its pods are now: the pods of each whole group whose every rank is ready, in ordinal order,
    /// against <paramref name="current"/>, the routes a caller holds. So a caller takes the groups the controller adds as
    /// they come ready and stops sending to the ones it takes away (<c>PodRouteRefresh</c> in the runtime). With no whole
    /// group ready the caller keeps what it holds: its calls fail over through the service's own readiness path. Pure.
    /// </summary>
    public static PodRoutePlan ReadyGroups(ServiceLayout layout, IEnumerable<V1Pod> pods, IReadOnlyList<WorkerRoute> current, bool clusterDns, RouteSettings settings)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var size = Math.Max(1, layout.GroupSize);
        var groups = ScaledWorkload.WholeGroupIndexes(WorkerRoutes.ReadyPods(pods), layout.WorkloadName, size);
        IReadOnlyList<WorkerRoute> routes = groups.Count == 0
            ? current
            : groups.SelectMany(group => Enumerable.Range(group * size, size)).Select(ordinal => RouteTo(layout, ordinal, clusterDns, settings)).ToArray();
        return PodRoutePlan.Between(routes, current, routes.Count);
    }

    private static WorkerRoute RouteTo(ServiceLayout layout, int ordinal, bool clusterDns, RouteSettings settings)
    {
        var pod = layout.RankPod(ordinal);
        var rank = ordinal % Math.Max(1, layout.GroupSize);
        return clusterDns
            ? new DnsRoute(rank, pod, WorkerRoutes.Http($"{pod}.{settings.Host(layout.HeadlessServiceName!, layout.Namespace)}", settings.GrpcPort))
            : new PortForwardRoute(rank, pod, layout.Namespace, pod, null, settings.GrpcPort);
    }

    public override IEnumerable<V1ObjectMeta> TokenTemplates(IKubernetesObject<V1ObjectMeta> workload) =>
        workload is V1StatefulSet { Spec.Template: { } template } ? [template.Metadata ??= new V1ObjectMeta()] : [];

    /// <summary>The StatefulSet updates OnDelete: when an apply changed its spec, every rank restarts together, never half old and half new.</summary>
    public override bool MayRestartPodsOnApply => true;

    /// <remarks>
    /// A change of the replicas alone moves the generation too: a client applying a set of ordinal blocks that the
    /// controller had scaled to more groups sets it back to its rendered groups, which removes whole blocks and must not
    /// restart the ones that stay. So the pods restart only when the pod template the server holds changed as well.
    /// </remarks>
    public override bool RestartsPods(JsonElement? before, JsonElement applied) =>
        RolloutPlan.RestartsGroup(
            before is { } was ? WorkloadReadiness.Long(was, "metadata", "generation") : null,
            WorkloadReadiness.Long(applied, "metadata", "generation"),
            before is { } old ? (int)(WorkloadReadiness.Long(old, "spec", "replicas") ?? 0) : 0)
        && !SameTemplate(before, applied);

    // Both as the API server returns them, so an unchanged template serializes the same.
    private static bool SameTemplate(JsonElement? before, JsonElement applied) =>
        before is { } was
        && WorkloadReadiness.Child(was, "spec", "template") is { } old
        && WorkloadReadiness.Child(applied, "spec", "template") is { } now
        && string.Equals(old.GetRawText(), now.GetRawText(), StringComparison.Ordinal);

    public override bool ControllerScales => true;

    public override ScaledWorkload? Scaled(IKubernetesObject<V1ObjectMeta> workload) => workload is V1StatefulSet set ? ScaledOf(set) : null;

    public override ScaledWorkload? Scaled(JsonElement workload) => ScaledOf(As<V1StatefulSet>(workload));

    /// <summary>A StatefulSet the controller scales, or null when it has nothing to scale by (no [Autoscale] annotations, no InactivityTtl).</summary>
    public ScaledWorkload? ScaledOf(V1StatefulSet set)
    {
        var metadata = set.Metadata;
        var autoscale = AutoscaleAnnotations.Read(metadata?.Annotations, ManifestAnnotations.HoistAutoscalingPrefix);
        var ttl = ScaledWorkload.Ttl(metadata);
        if ((autoscale is null && ttl is null) || ScaledWorkload.Identity(metadata) is not var (service, instance))
        {
            return null;
        }

        var environment = set.Spec?.Template?.Spec?.Containers?.SelectMany(c => c.Env ?? []).ToArray() ?? [];
        var worldSize = environment.FirstOrDefault(e => e.Name == ScaledWorkload.WorldSizeVariable)?.Value;
        var groupSize = int.TryParse(worldSize, out var size) && size > 0 ? size : Math.Max(1, set.Spec?.Replicas ?? 1);
        var distribution = metadata!.Annotations!.TryGetValue(ManifestAnnotations.Distribution, out var type) ? type : "spmd";
        return new ScaledWorkload(
            Resource,
            metadata.NamespaceProperty,
            metadata.Name,
            instance,
            groupSize,
            set.Spec?.Replicas ?? 0,
            set.Status?.ReadyReplicas ?? 0,
            ScaledWorkload.Describe(service, metadata, ttl, autoscale, new DistributionSpec { Type = distribution, Workers = groupSize }),
            metadata)
        {
            PodSelector = HoistSelectors.Pods(set.Spec?.Selector?.MatchLabels ?? new Dictionary<string, string>()),

            // Only a set rendered with ordinal blocks (its pods derive their rank from the pod index) may hold more
            // than one group; a set rendered before, or for one group, keeps rank = ordinal and stays at one.
            GroupsScaleOut = environment.Any(e => e.Name == Hoist.Configuration.WorkerEnvironment.PodIndex),
        };
    }

    public override ServiceRow StatusRow(JsonElement workload, LiveScale? live) => Row(As<V1StatefulSet>(workload));

    public static ServiceRow Row(V1StatefulSet statefulSet)
    {
        var readiness = ReadinessOf(statefulSet);
        var annotations = statefulSet.Metadata.Annotations ?? new Dictionary<string, string>();
        var distribution = annotations.TryGetValue(ManifestAnnotations.Distribution, out var type) ? $"StatefulSet ({type})" : "StatefulSet";
        return new ServiceRow(
            ServiceName(statefulSet.Metadata),
            distribution,
            statefulSet.Metadata.NamespaceProperty,
            readiness.Ready,
            readiness.Desired,
            AutoscaleAnnotations.Describe(annotations, ManifestAnnotations.HoistAutoscalingPrefix),
            State(readiness));
    }
}

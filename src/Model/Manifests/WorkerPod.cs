using Hoist.Settings;
using Hoist.Setup;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// What a service's pods get around the worker container, the same in every kind (Deployment, Knative Service,
/// StatefulSet, RayCluster): the pod spec (<see cref="Spec"/>) with the [Volume] claims and their mounts, a
/// memory-backed /dev/shm, node selection, tolerations and the pod settings of [Compute], the pod template's metadata,
/// and the [Setup] steps run before the worker starts. Pure.
/// </summary>
internal static class WorkerPod
{
    public const string SharedMemoryVolume = "dshm";
    public const string SharedMemoryPath = "/dev/shm";

    /// <summary>The pod spec of every kind around its containers; a Knative revision takes the fields Knative accepts from it.</summary>
    public static V1PodSpec Spec(RenderTarget target, params V1Container[] containers)
    {
        var descriptor = target.Descriptor;
        var spec = new V1PodSpec
        {
            Containers = containers,
            NodeSelector = NodeSelector(descriptor.Compute),
            Tolerations = Tolerations(descriptor.Compute),
            Volumes = Volumes(descriptor),
            ServiceAccountName = descriptor.Compute.ServiceAccount,
            PriorityClassName = descriptor.Compute.PriorityClass,
            TopologySpreadConstraints = descriptor.Compute.SpreadAcrossNodes ? [SpreadOverNodes(target)] : null,
            ImagePullSecrets = SettingsCatalogue.ParseNames(descriptor.Compute.ImagePullSecrets)?.Select(name => new V1LocalObjectReference { Name = name }).ToList(),

            // Kubernetes kills at this grace; a worker drains its calls for StopTimeout first.
            TerminationGracePeriodSeconds = target.Options.TerminationGracePeriodSeconds,
        };

        // Hoist:Kubernetes:PodTemplate last, over everything above, so it meets every field the service renders.
        return target.Options.PodTemplate is { } template ? template.MergeInto(spec, descriptor.Name) : spec;
    }

    /// <summary>
    /// [Compute(SpreadAcrossNodes)]: at most one more of the service's pods (replicas, ranks, a RayCluster's head and
    /// workers) on any node than on another, preferred rather than required (ScheduleAnyway), so a small cluster still
    /// runs them all; the pods are found by the selector every kind's pods carry.
    /// </summary>
    private static V1TopologySpreadConstraint SpreadOverNodes(RenderTarget target) => new()
    {
        MaxSkew = 1,
        TopologyKey = "kubernetes.io/hostname",
        WhenUnsatisfiable = "ScheduleAnyway",
        LabelSelector = new V1LabelSelector { MatchLabels = target.Selector() },
    };

    /// <summary>The pod template's labels (the workload's own) and annotations, in every kind.</summary>
    public static V1ObjectMeta TemplateMetadata(RenderTarget target, IDictionary<string, string>? annotations = null) => new()
    {
        Labels = target.Labels(),
        Annotations = target.WithServiceAnnotations(annotations),
    };

    /// <summary>
    /// Kubetorch's volumes are ReadWriteMany, so that every replica and rank, on whichever node, mounts the same claim;
    /// that needs a StorageClass that offers it (NFS, CephFS, a cloud file store).
    /// </summary>
    public const string VolumeAccessMode = "ReadWriteMany";

    /// <summary>
    /// Each [Volume] as a PersistentVolumeClaim named after the volume, so the services of an app (and of other apps in the
    /// namespace) that name the same volume share it, as in Kubetorch. Teardown leaves claims alone: data outlives services.
    /// </summary>
    public static IEnumerable<V1PersistentVolumeClaim> Claims(RenderTarget target) =>
        target.Descriptor.Volumes.Select(volume => new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = "PersistentVolumeClaim",
            Metadata = new V1ObjectMeta
            {
                Name = volume.Name,
                NamespaceProperty = target.Namespace,
                Labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    [ManifestLabels.Component] = "volume",
                    [ManifestLabels.PartOf] = KubernetesNames.ToLabelValue(target.Options.AppName),
                    [ManifestLabels.ManagedBy] = ManifestLabels.ManagedByHoist,
                },
            },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = [VolumeAccessMode],
                StorageClassName = volume.StorageClass,
                Resources = new V1VolumeResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(volume.Size ?? WorkerVolumes.DefaultSize) },
                },
            },
        });

    /// <summary>The pod's volumes: each claim, then /dev/shm in memory (a container runtime gives it 64 MiB otherwise).</summary>
    public static IList<V1Volume>? Volumes(ServiceDescriptor descriptor)
    {
        var volumes = descriptor.Volumes
            .Select(v => new V1Volume { Name = VolumeName(v.Name), PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = v.Name } })
            .ToList();
        if (descriptor.Compute.SharedMemory is { } size)
        {
            volumes.Add(new V1Volume { Name = SharedMemoryVolume, EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity(size) } });
        }

        return volumes.Count == 0 ? null : volumes;
    }

    /// <summary>Where each container of the pod mounts them.</summary>
    public static IList<V1VolumeMount>? Mounts(ServiceDescriptor descriptor)
    {
        var mounts = descriptor.Volumes.Select(v => new V1VolumeMount { Name = VolumeName(v.Name), MountPath = v.Path }).ToList();
        if (descriptor.Compute.SharedMemory is not null)
        {
            mounts.Add(new V1VolumeMount { Name = SharedMemoryVolume, MountPath = SharedMemoryPath });
        }

        return mounts.Count == 0 ? null : mounts;
    }

    /// <summary>HOIST_VOLUME_&lt;NAME&gt; = the mount path, which <c>HoistVolumes.PathOf</c> reads, as the local backend sets it to the folder.</summary>
    public static IEnumerable<V1EnvVar> VolumeEnvironment(ServiceDescriptor descriptor) =>
        descriptor.Volumes.Select(v => WorkerContainer.Value(WorkerVolumes.VariableOf(v.Name), v.Path));

    /// <summary>The GPU product as its node label (Kubetorch's gpu_type), then the NodeSelector terms.</summary>
    public static IDictionary<string, string>? NodeSelector(ComputeSpec compute)
    {
        var selector = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (compute.GpuType is { } gpuType)
        {
            selector[WorkerPlacement.GpuProductLabel] = gpuType;
        }

        foreach (var term in WorkerPlacement.ParseNodeSelector(compute.NodeSelector) ?? [])
        {
            selector[term.Key] = term.Value;
        }

        return selector.Count == 0 ? null : selector;
    }

    /// <summary>GPU nodes are usually tainted so that only pods that ask for a GPU land there; then the Tolerations terms.</summary>
    public static IList<V1Toleration>? Tolerations(ComputeSpec compute)
    {
        var tolerations = new List<V1Toleration>();
        if (compute.Gpus > 0)
        {
            tolerations.Add(new V1Toleration { Key = WorkerContainer.GpuResource, OperatorProperty = "Exists", Effect = "NoSchedule" });
        }

        tolerations.AddRange((WorkerPlacement.ParseTolerations(compute.Tolerations) ?? [])
            .Select(t => new V1Toleration { Key = t.Key, OperatorProperty = t.Operator, Value = t.Value, Effect = t.Effect }));
        return tolerations.Count == 0 ? null : tolerations;
    }

    /// <summary>
    /// The worker's command, behind the [Setup] steps when there are any: <c>/bin/sh -c &lt;steps&gt; sh</c> with the
    /// worker's command as its arguments, which the script execs once every step succeeded. The steps run in the
    /// container itself, so what they install is where the worker runs; once per container start, since that is as long
    /// as what they install lives. They count within the startup probe, which LaunchTimeout sizes.
    /// </summary>
    public static (IList<string> Command, IList<string>? Args) Command(ServiceDescriptor descriptor, IList<string> worker) =>
        descriptor.Setup.Count == 0
            ? (worker, null)
            : ([SetupSteps.Shell, "-c", SetupSteps.PodScript(descriptor.Setup), "sh"], worker);

    // A pod volume's name is a DNS label; a claim's may be as long, so the prefix can make it too long to keep whole.
    private static string VolumeName(string volume) => KubernetesNames.Fit("volume-" + volume, KubernetesNames.MaxLabelLength);
}

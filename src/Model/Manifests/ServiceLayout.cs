using System.Globalization;
using Hoist.Manifests;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// Where a rendered service lives and how it is addressed, read from the rendered objects themselves, so the
/// backend reaches exactly what it applied: the workload, the Services, the pods' labels and the rank count.
/// </summary>
internal sealed record ServiceLayout
{
    public required string Service { get; init; }

    public required string Namespace { get; init; }

    /// <summary>The <c>app.kubernetes.io/instance</c> label: "&lt;app&gt;-&lt;service&gt;".</summary>
    public required string Instance { get; init; }

    public required WorkloadKind WorkloadKind { get; init; }

    public required string WorkloadName { get; init; }

    /// <summary>The labels every worker pod carries (the Services select on them).</summary>
    public required IReadOnlyDictionary<string, string> PodLabels { get; init; }

    /// <summary>The ClusterIP Service in front of the workers; for Knative, the Knative Service's own name.</summary>
    public required string ServiceName { get; init; }

    /// <summary>The headless Service that gives each rank its DNS name (distributed StatefulSets only).</summary>
    public string? HeadlessServiceName { get; init; }

    /// <summary>The number of ranks of a StatefulSet (every group's, for one of ordinal blocks); 1 otherwise.</summary>
    public int Ranks { get; init; } = 1;

    /// <summary>
    /// The ranks of one group: Workers for a StatefulSet whose ordinal blocks are groups
    /// (<see cref="StatefulSetKind.RunsManyGroups"/>), where pod ordinal o is rank o % GroupSize of group o / GroupSize;
    /// <see cref="Ranks"/> otherwise.
    /// </summary>
    public int GroupSize { get; init; } = 1;

    /// <summary>True for a StatefulSet of ordinal blocks, whose live replicas (set by the controller) say how many groups run.</summary>
    public bool GroupsScaleOut { get; init; }

    public string TeardownSelector => HoistSelectors.ForService(Service, Instance);

    public string PodSelector => HoistSelectors.Pods(PodLabels.ToDictionary());

    public static ServiceLayout From(ServiceDescriptor descriptor, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(objects);
        var workload = objects.Single(o => WorkloadKinds.Of(o) is not null);
        var kind = WorkloadKinds.Of(workload)!;
        var labels = workload.Metadata.Labels;
        var services = kind.AddressedByOwnName ? [] : objects.OfType<V1Service>().ToArray();
        var clusterIp = services.FirstOrDefault(s => s.Spec?.ClusterIP != "None");
        var headless = services.FirstOrDefault(s => s.Spec?.ClusterIP == "None");
        var podLabels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [ManifestLabels.Name] = labels[ManifestLabels.Name],
            [ManifestLabels.Instance] = labels[ManifestLabels.Instance],
        };

        return new ServiceLayout
        {
            Service = descriptor.Name,
            Namespace = workload.Metadata.NamespaceProperty,
            Instance = labels[ManifestLabels.Instance],
            WorkloadKind = kind,
            WorkloadName = workload.Metadata.Name,
            PodLabels = podLabels,
            ServiceName = clusterIp?.Metadata.Name ?? workload.Metadata.Name,
            HeadlessServiceName = headless?.Metadata.Name,
            Ranks = kind.Ranks(workload),
            GroupSize = StatefulSetKind.RunsManyGroups(descriptor) ? descriptor.Distribution!.Workers : kind.Ranks(workload),
            GroupsScaleOut = StatefulSetKind.RunsManyGroups(descriptor),
        };
    }

    /// <summary>Rank <paramref name="rank"/>'s pod: StatefulSet pods are named by ordinal.</summary>
    public string RankPod(int rank) => $"{WorkloadName}-{rank.ToString(CultureInfo.InvariantCulture)}";
}

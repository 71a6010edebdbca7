using Hoist.Settings;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>One service being rendered: its descriptor, the options, and the names and labels derived from both.</summary>
internal sealed record RenderTarget(ServiceDescriptor Descriptor, ManifestOptions Options)
{
    public string Name => Descriptor.Name;

    public string Namespace { get; } = Descriptor.Compute.Namespace is { Length: > 0 } ns ? ns : Options.Namespace;

    public string Instance { get; } = KubernetesNames.Fit($"{KubernetesNames.ToDnsLabel(Options.AppName)}-{Descriptor.Name}", KubernetesNames.MaxLabelLength);

    /// <summary>What Services and workloads select on; immutable on a Deployment or StatefulSet, so kept minimal.</summary>
    public SortedDictionary<string, string> Selector() => new(StringComparer.Ordinal)
    {
        [ManifestLabels.Name] = Name,
        [ManifestLabels.Instance] = Instance,
    };

    /// <summary>Hoist's labels and the service's own ([Compute(Labels)], whose keys never collide with Hoist's: the rules refuse those).</summary>
    public SortedDictionary<string, string> Labels()
    {
        var labels = new SortedDictionary<string, string>(Selector(), StringComparer.Ordinal)
        {
            [ManifestLabels.Component] = ManifestLabels.WorkerComponent,
            [ManifestLabels.PartOf] = KubernetesNames.ToLabelValue(Options.AppName),
            [ManifestLabels.ManagedBy] = ManifestLabels.ManagedByHoist,
        };
        if (Descriptor.Compute.Queue is { } queue)
        {
            // Kueue holds the workload (and, with its pod integration, each pod) until the queue admits it.
            labels[SettingsCatalogue.KueueQueueLabel] = queue;
        }

        foreach (var (key, value) in SettingsCatalogue.ParsePairs(Descriptor.Compute.Labels, WorkerPlacement.IsLabelValue) ?? [])
        {
            labels.TryAdd(key, value);
        }

        return labels;
    }

    /// <summary><paramref name="annotations"/> and the service's own ([Compute(Annotations)]); null when both are empty.</summary>
    public IDictionary<string, string>? WithServiceAnnotations(IDictionary<string, string>? annotations)
    {
        if (SettingsCatalogue.ParsePairs(Descriptor.Compute.Annotations, static value => value.Length > 0) is not { Count: > 0 } own)
        {
            return annotations;
        }

        var merged = new SortedDictionary<string, string>(annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in own)
        {
            merged.TryAdd(key, value);
        }

        return merged;
    }

    /// <summary>The <c>hoist.dev/*</c> annotations the runtime acts on, on the workload object.</summary>
    public SortedDictionary<string, string> HoistAnnotations()
    {
        var compute = Descriptor.Compute;
        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [ManifestAnnotations.BaseImage] = compute.Image,
            [ManifestAnnotations.Freeze] = compute.Freeze ? "true" : "false",
            [ManifestAnnotations.LaunchTimeout] = compute.LaunchTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture) + "s",
        };
        if (compute.InactivityTtl is { Length: > 0 } ttl)
        {
            annotations[ManifestAnnotations.InactivityTtl] = ttl;
        }

        if (Descriptor.Distribution is { } distribution)
        {
            annotations[ManifestAnnotations.Distribution] = distribution.Type;
        }

        if (Descriptor.Autoscale is { } autoscale && Descriptor.Distribution is not null)
        {
            AutoscaleAnnotations.AddTo(annotations, autoscale, ManifestAnnotations.HoistAutoscalingPrefix, ManifestAnnotations.WorkerGroupClass);
        }

        return annotations;
    }

    public V1ObjectMeta Metadata(string name, IDictionary<string, string>? annotations = null) => new()
    {
        Name = name,
        NamespaceProperty = Namespace,
        Labels = Labels(),
        Annotations = annotations is null ? null : WithServiceAnnotations(annotations),
    };
}

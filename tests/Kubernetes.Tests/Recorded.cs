using k8s;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

/// <summary>API objects recorded from clusters, under Recorded/ next to the tests.</summary>
internal static class Recorded
{
    public static string Path(string relative) => System.IO.Path.Combine(AppContext.BaseDirectory, "Recorded", relative);

    public static T Read<T>(string relative) => KubernetesYaml.Deserialize<T>(File.ReadAllText(Path(relative)));

    /// <summary>The data of a recorded ConfigMap, as the cluster client hands it on.</summary>
    public static IReadOnlyDictionary<string, string> ConfigMapData(string relative) =>
        new Dictionary<string, string>(Read<V1ConfigMap>(relative).Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);

    /// <summary>A stock knative-serving install's ConfigMaps: every flag in the example block only, so Knative's defaults hold.</summary>
    public static Hoist.Backends.Kubernetes.KnativeClusterConfig KnativeStock { get; } = new(
        ConfigMapData("knative/config-features.stock.yaml"),
        ConfigMapData("knative/config-autoscaler.stock.yaml"),
        ConfigMapData("knative/config-defaults.stock.yaml"));
}

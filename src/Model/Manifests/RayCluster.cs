using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// A KubeRay <c>ray.io/v1</c> RayCluster, with only the fields Hoist writes. KubernetesClient has no model for
/// it. Property names serialize camelCase in both YAML (KubernetesYaml) and JSON (KubernetesJson).
/// </summary>
[KubernetesEntity(Group = RayGroup, ApiVersion = "v1", Kind = RayKind, PluralName = "rayclusters")]
public sealed class RayCluster : IKubernetesObject<V1ObjectMeta>, ISpec<RayClusterSpec>
{
    public const string RayGroup = "ray.io";
    public const string RayApiVersion = RayGroup + "/v1";
    public const string RayKind = "RayCluster";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = RayApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = RayKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public RayClusterSpec Spec { get; set; } = new();
}

/// <summary>One head and the worker groups of a <see cref="RayCluster"/>.</summary>
public sealed class RayClusterSpec
{
    [JsonPropertyName("headGroupSpec")]
    public RayHeadGroupSpec HeadGroupSpec { get; set; } = new();

    [JsonPropertyName("workerGroupSpecs")]
    public IList<RayWorkerGroupSpec> WorkerGroupSpecs { get; set; } = [];

    /// <summary>
    /// How KubeRay (1.6 and later) applies a changed spec. Without "Recreate" it leaves the running pods alone, so
    /// new code or a new call token would never reach them.
    /// </summary>
    [JsonPropertyName("upgradeStrategy")]
    public RayUpgradeStrategy? UpgradeStrategy { get; set; }
}

/// <summary>A RayCluster's <c>upgradeStrategy</c>: "Recreate" or "None".</summary>
public sealed class RayUpgradeStrategy
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "Recreate";
}

/// <summary>The head pod. KubeRay runs <c>ray start --head</c> in its first container.</summary>
public sealed class RayHeadGroupSpec
{
    [JsonPropertyName("rayStartParams")]
    public IDictionary<string, string> RayStartParams { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    [JsonPropertyName("template")]
    public V1PodTemplateSpec Template { get; set; } = new();
}

/// <summary>A group of identical worker pods. KubeRay runs <c>ray start</c> in each pod's first container.</summary>
public sealed class RayWorkerGroupSpec
{
    [JsonPropertyName("groupName")]
    public string GroupName { get; set; } = "workers";

    [JsonPropertyName("replicas")]
    public int Replicas { get; set; }

    [JsonPropertyName("minReplicas")]
    public int MinReplicas { get; set; }

    [JsonPropertyName("maxReplicas")]
    public int MaxReplicas { get; set; }

    [JsonPropertyName("rayStartParams")]
    public IDictionary<string, string> RayStartParams { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    [JsonPropertyName("template")]
    public V1PodTemplateSpec Template { get; set; } = new();
}

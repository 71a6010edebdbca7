using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// A Knative Serving <c>serving.knative.dev/v1</c> Service, with only the fields Hoist writes. KubernetesClient
/// has no model for it. Property names serialize camelCase in both YAML (KubernetesYaml) and JSON (KubernetesJson).
/// </summary>
[KubernetesEntity(Group = KnativeGroup, ApiVersion = "v1", Kind = "Service", PluralName = "services")]
public sealed class KnativeService : IKubernetesObject<V1ObjectMeta>, ISpec<KnativeServiceSpec>
{
    public const string KnativeGroup = "serving.knative.dev";
    public const string KnativeApiVersion = KnativeGroup + "/v1";
    public const string KnativeKind = "Service";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = KnativeApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KnativeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public KnativeServiceSpec Spec { get; set; } = new();
}

/// <summary>The spec of a <see cref="KnativeService"/>: the template each revision is made from.</summary>
public sealed class KnativeServiceSpec
{
    [JsonPropertyName("template")]
    public KnativeRevisionTemplate Template { get; set; } = new();
}

/// <summary>A revision template: the autoscaling annotations go on its metadata.</summary>
public sealed class KnativeRevisionTemplate
{
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public KnativeRevisionSpec Spec { get; set; } = new();
}

/// <summary>
/// The subset of a pod spec that Knative accepts and Hoist uses. Tolerations, node selectors, PersistentVolumeClaims and
/// emptyDir need the cluster's <c>kubernetes.podspec-tolerations</c>, <c>-nodeselector</c>,
/// <c>-persistent-volume-claim</c> (with <c>-persistent-volume-write</c>) and <c>-emptydir</c> features (config-features).
/// </summary>
public sealed class KnativeRevisionSpec
{
    [JsonPropertyName("containers")]
    public IList<V1Container> Containers { get; set; } = [];

    [JsonPropertyName("nodeSelector")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    [JsonPropertyName("tolerations")]
    public IList<V1Toleration>? Tolerations { get; set; }

    [JsonPropertyName("volumes")]
    public IList<V1Volume>? Volumes { get; set; }

    [JsonPropertyName("serviceAccountName")]
    public string? ServiceAccountName { get; set; }

    [JsonPropertyName("imagePullSecrets")]
    public IList<V1LocalObjectReference>? ImagePullSecrets { get; set; }

    [JsonPropertyName("priorityClassName")]
    public string? PriorityClassName { get; set; }

    [JsonPropertyName("topologySpreadConstraints")]
    public IList<V1TopologySpreadConstraint>? TopologySpreadConstraints { get; set; }

    // The pod fields only a pod template (Hoist:Kubernetes:PodTemplate) renders, which Knative accepts (most behind a
    // config-features flag, which KnativeAdmission names).
    [JsonPropertyName("affinity")]
    public V1Affinity? Affinity { get; set; }

    [JsonPropertyName("securityContext")]
    public V1PodSecurityContext? SecurityContext { get; set; }

    [JsonPropertyName("initContainers")]
    public IList<V1Container>? InitContainers { get; set; }

    [JsonPropertyName("runtimeClassName")]
    public string? RuntimeClassName { get; set; }

    [JsonPropertyName("schedulerName")]
    public string? SchedulerName { get; set; }

    [JsonPropertyName("hostAliases")]
    public IList<V1HostAlias>? HostAliases { get; set; }

    [JsonPropertyName("dnsPolicy")]
    public string? DnsPolicy { get; set; }

    [JsonPropertyName("dnsConfig")]
    public V1PodDNSConfig? DnsConfig { get; set; }

    [JsonPropertyName("enableServiceLinks")]
    public bool? EnableServiceLinks { get; set; }

    [JsonPropertyName("automountServiceAccountToken")]
    public bool? AutomountServiceAccountToken { get; set; }

    /// <summary>The most requests the queue-proxy lets into one container at once ([Autoscale(ContainerConcurrency)]); unset or 0 means no limit.</summary>
    [JsonPropertyName("containerConcurrency")]
    public long? ContainerConcurrency { get; set; }

    /// <summary>The longest a request may run before the queue-proxy cuts it (Knative's default is 300 s).</summary>
    [JsonPropertyName("timeoutSeconds")]
    public long? TimeoutSeconds { get; set; }

    /// <summary>
    /// The revision's part of the pod spec every kind renders (WorkerPod.Spec): the fields Knative accepts, copied, so
    /// a pod setting reaches a Knative Service the way it reaches the other kinds. KnativeAdmission says which of them
    /// a cluster must enable.
    /// </summary>
    internal static KnativeRevisionSpec From(V1PodSpec pod, long timeoutSeconds, int containerConcurrency)
    {
        var revision = Copy(pod, timeoutSeconds, containerConcurrency);

        // A field a pod template set that a revision cannot hold would vanish from the Service: refused instead.
        var dropped = PodFields(pod).Except(PodFields(revision)).Except(s_podOnlyFields).ToArray();
        return dropped.Length == 0
            ? revision
            : throw new PodTemplateException("Hoist:Kubernetes:PodTemplate", [
                $"Hoist:Kubernetes:PodTemplate sets {string.Join(", ", dropped)}, which a Knative revision does not accept ([Autoscale] services are Knative Services); remove it from the file ({Settings.SettingDiagnostics.InvalidPodTemplate})"]);
    }

    // What Knative sets itself on a revision's pods: Hoist renders it for the other kinds only.
    private static readonly string[] s_podOnlyFields = ["terminationGracePeriodSeconds"];

    private static IEnumerable<string> PodFields(object spec) =>
        (System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(spec)) as System.Text.Json.Nodes.JsonObject ?? []).Select(p => p.Key);

    private static KnativeRevisionSpec Copy(V1PodSpec pod, long timeoutSeconds, int containerConcurrency) => new()
    {
        Containers = pod.Containers,
        NodeSelector = pod.NodeSelector,
        Tolerations = pod.Tolerations,
        Volumes = pod.Volumes,
        ServiceAccountName = pod.ServiceAccountName,
        ImagePullSecrets = pod.ImagePullSecrets,
        PriorityClassName = pod.PriorityClassName,
        TopologySpreadConstraints = pod.TopologySpreadConstraints,
        Affinity = pod.Affinity,
        SecurityContext = pod.SecurityContext,
        InitContainers = pod.InitContainers,
        RuntimeClassName = pod.RuntimeClassName,
        SchedulerName = pod.SchedulerName,
        HostAliases = pod.HostAliases,
        DnsPolicy = pod.DnsPolicy,
        DnsConfig = pod.DnsConfig,
        EnableServiceLinks = pod.EnableServiceLinks,
        AutomountServiceAccountToken = pod.AutomountServiceAccountToken,
        TimeoutSeconds = timeoutSeconds,
        ContainerConcurrency = containerConcurrency > 0 ? containerConcurrency : null,
    };
}

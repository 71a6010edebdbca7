using System.Globalization;
using System.Text.Json.Nodes;
using Hoist.Manifests;
using k8s;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// One setting of Knative's ConfigMaps that a rendered Service needs and the cluster does not have, with the
/// <c>kubectl patch</c> that sets it (a cluster admin's right: the ConfigMaps live in <c>knative-serving</c>).
/// </summary>
internal sealed record KnativeRefusal(string Service, string ConfigMap, string Key, string Value, string Reason)
{
    public string Patch => $"kubectl patch configmap {ConfigMap} -n {KnativeClusterConfig.Namespace} --type merge -p '{{\"data\":{{\"{Key}\":\"{Value}\"}}}}'";

    /// <summary>The one line a deploy fails with: the service, what it needs, the setting, and the patch.</summary>
    public string Line => $"service '{Service}' {Reason}, which Knative refuses unless {Key} is \"{Value}\" in {KnativeClusterConfig.Namespace}/{ConfigMap}: {Patch}";
}

/// <summary>
/// Would Knative's webhook accept this rendered Service on this cluster? The same judgement as knative/serving's
/// <c>pkg/apis/serving/fieldmask.go</c> and <c>k8s_validation.go</c> (pod fields behind <c>config-features</c>
/// flags), <c>pkg/apis/autoscaling/annotation_validation.go</c> (<c>initial-scale: "0"</c> needs
/// <c>allow-zero-initial-scale</c>; <c>max-scale</c> "0", which means no limit, or above <c>max-scale-limit</c>, when the
/// cluster sets one) and <c>revision_validation.go</c> (<c>timeoutSeconds</c> at most
/// <c>max-revision-timeout-seconds</c>, <c>containerConcurrency</c> at most <c>container-concurrency-max-limit</c>), made before applying, so a deploy fails with the setting to change instead
/// of the webhook's field list, or a revision that never comes up. Pure: the Service as it goes over the wire, and
/// the ConfigMaps' data.
/// </summary>
internal static class KnativeAdmission
{
    public const string AllowZeroInitialScale = "allow-zero-initial-scale";
    public const string MaxRevisionTimeoutSeconds = "max-revision-timeout-seconds";
    public const string MaxScaleLimit = "max-scale-limit";
    public const string ContainerConcurrencyMaxLimit = "container-concurrency-max-limit";

    /// <summary>
    /// A pod field behind a flag. <paramref name="NeedsEnabled"/>: Knative lets the field through only when the
    /// flag is "Enabled" (persistent volume claims and their write access), not merely "Allowed".
    /// </summary>
    private sealed record FlagRule(string Key, KnativeFlag Default, bool NeedsEnabled, string Reason, Func<JsonObject, bool> Uses);

    /// <summary>The flags of the pod fields Hoist renders, or may render, into a revision; Knative's defaults beside them.</summary>
    private static readonly FlagRule[] s_flags =
    [
        new("kubernetes.podspec-tolerations", KnativeFlag.Disabled, false, "renders tolerations (every GPU service does)", spec => NonEmpty(spec["tolerations"])),
        new("kubernetes.podspec-nodeselector", KnativeFlag.Disabled, false, "renders a node selector", spec => NonEmpty(spec["nodeSelector"])),
        new("kubernetes.podspec-affinity", KnativeFlag.Disabled, false, "renders an affinity", spec => NonEmpty(spec["affinity"])),
        new("kubernetes.podspec-priorityclassname", KnativeFlag.Disabled, false, "renders a priorityClassName ([Compute(PriorityClass)])", spec => NonEmpty(spec["priorityClassName"])),
        new("kubernetes.podspec-topologyspreadconstraints", KnativeFlag.Disabled, false, "renders topology spread constraints ([Compute(SpreadAcrossNodes)])", spec => NonEmpty(spec["topologySpreadConstraints"])),
        new("kubernetes.podspec-runtimeclassname", KnativeFlag.Disabled, false, "renders a runtimeClassName", spec => NonEmpty(spec["runtimeClassName"])),
        new("kubernetes.podspec-securitycontext", KnativeFlag.Disabled, false, "renders a pod securityContext", spec => NonEmpty(spec["securityContext"])),
        new("kubernetes.podspec-init-containers", KnativeFlag.Disabled, false, "renders init containers", spec => NonEmpty(spec["initContainers"])),
        new("kubernetes.podspec-hostaliases", KnativeFlag.Disabled, false, "renders host aliases (Hoist:Kubernetes:PodTemplate)", spec => NonEmpty(spec["hostAliases"])),
        new("kubernetes.podspec-schedulername", KnativeFlag.Disabled, false, "renders a schedulerName (Hoist:Kubernetes:PodTemplate)", spec => NonEmpty(spec["schedulerName"])),
        new("kubernetes.podspec-dnspolicy", KnativeFlag.Disabled, false, "renders a dnsPolicy (Hoist:Kubernetes:PodTemplate)", spec => NonEmpty(spec["dnsPolicy"])),
        new("kubernetes.podspec-dnsconfig", KnativeFlag.Disabled, false, "renders a dnsConfig (Hoist:Kubernetes:PodTemplate)", spec => NonEmpty(spec["dnsConfig"])),
        new("kubernetes.podspec-fieldref", KnativeFlag.Disabled, false, "sets environment variables from pod fields", spec => Containers(spec).Any(UsesFieldRef)),
        new("kubernetes.podspec-volumes-emptydir", KnativeFlag.Enabled, false, "mounts an emptyDir volume", spec => Volumes(spec).Any(v => v["emptyDir"] is not null)),
        new("kubernetes.podspec-persistent-volume-claim", KnativeFlag.Disabled, true, "mounts a persistent volume claim", spec => Volumes(spec).Any(v => v["persistentVolumeClaim"] is not null)),
        new("kubernetes.podspec-persistent-volume-write", KnativeFlag.Disabled, true, "mounts a persistent volume claim it may write to", spec => Volumes(spec).Any(IsWritableClaim)),
    ];

    /// <summary>Every setting the rendered Service needs that the cluster's ConfigMaps do not give it, in a stable order.</summary>
    public static IReadOnlyList<KnativeRefusal> Refusals(string service, KnativeService rendered, KnativeClusterConfig config)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        return Refusals(service, JsonNode.Parse(KubernetesJson.Serialize(rendered))!, config);
    }

    /// <summary>The same, over the Service as it goes over the wire: what the webhook sees, whichever fields are rendered.</summary>
    public static IReadOnlyList<KnativeRefusal> Refusals(string service, JsonNode wire, KnativeClusterConfig config)
    {
        ArgumentNullException.ThrowIfNull(wire);
        ArgumentNullException.ThrowIfNull(config);
        var template = wire["spec"]?["template"];
        var podSpec = template?["spec"] as JsonObject ?? [];
        var annotations = template?["metadata"]?["annotations"] as JsonObject ?? [];
        var refusals = new List<KnativeRefusal>();

        if (config.Features is { } features)
        {
            foreach (var rule in s_flags.Where(r => r.Uses(podSpec)))
            {
                var flag = KnativeClusterConfig.Flag(features, rule.Key, rule.Default);
                if (flag == KnativeFlag.Disabled || (rule.NeedsEnabled && flag != KnativeFlag.Enabled))
                {
                    refusals.Add(new KnativeRefusal(service, KnativeClusterConfig.FeaturesMap, rule.Key, "enabled", rule.Reason));
                }
            }
        }

        if (config.Autoscaler is { } autoscaler
            && annotations[ManifestAnnotations.KnativeAutoscalingPrefix + ManifestAnnotations.InitialScale]?.GetValue<string>() == "0"
            && !KnativeClusterConfig.Bool(autoscaler, AllowZeroInitialScale, knativeDefault: false))
        {
            refusals.Add(new KnativeRefusal(service, KnativeClusterConfig.AutoscalerMap, AllowZeroInitialScale, "true", "starts at zero replicas ([Autoscale(InitialScale = 0)])"));
        }

        if (config.Autoscaler is { } limits
            && KnativeClusterConfig.Integer(limits, MaxScaleLimit, knativeDefault: 0) is var limit and > 0
            && long.TryParse(annotations[ManifestAnnotations.KnativeAutoscalingPrefix + ManifestAnnotations.MaxScale]?.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var maxScale)
            && (maxScale == 0 || maxScale > limit))
        {
            refusals.Add(new KnativeRefusal(
                service,
                KnativeClusterConfig.AutoscalerMap,
                MaxScaleLimit,
                maxScale == 0 ? "0" : maxScale.ToString(CultureInfo.InvariantCulture),
                (maxScale == 0
                    ? "has no replica limit ([Autoscale] MaxScale 0, max-scale \"0\")"
                    : $"may scale to {maxScale} replicas ([Autoscale] MaxScale)")
                + $" while the cluster caps every service at {limit} (else set MaxScale from 1 to {limit})"));
        }

        if (config.Defaults is { } bounds && podSpec["containerConcurrency"]?.GetValue<long>() is { } concurrency
            && KnativeClusterConfig.Integer(bounds, ContainerConcurrencyMaxLimit, Settings.ServiceSettingsRules.MaxContainerConcurrency) is var concurrencyLimit
            && concurrency > concurrencyLimit)
        {
            refusals.Add(new KnativeRefusal(
                service,
                KnativeClusterConfig.DefaultsMap,
                ContainerConcurrencyMaxLimit,
                concurrency.ToString(CultureInfo.InvariantCulture),
                $"lets a replica run {concurrency} calls at once ([Autoscale] ContainerConcurrency), more than the cluster's limit of {concurrencyLimit} (else set ContainerConcurrency from 1 to {concurrencyLimit})"));
        }

        if (config.Defaults is { } defaults && podSpec["timeoutSeconds"]?.GetValue<long>() is { } timeout)
        {
            var max = KnativeClusterConfig.Integer(defaults, MaxRevisionTimeoutSeconds, ManifestRenderer.KnativeDefaultMaxRequestSeconds);
            if (timeout > max)
            {
                refusals.Add(new KnativeRefusal(
                    service,
                    KnativeClusterConfig.DefaultsMap,
                    MaxRevisionTimeoutSeconds,
                    timeout.ToString(CultureInfo.InvariantCulture),
                    $"lets a call run {timeout} s (Hoist:Services:{service}:CallTimeout, else {ManifestRenderer.KnativeDefaultMaxRequestSeconds} s), longer than the cluster's limit of {max} s"));
            }
        }

        return refusals;
    }

    private static bool NonEmpty(JsonNode? node) => node switch
    {
        null => false,
        JsonObject o => o.Count > 0,
        JsonArray a => a.Count > 0,
        JsonValue v => v.ToString().Length > 0,
        _ => true,
    };

    private static IEnumerable<JsonObject> Containers(JsonObject spec) =>
        (spec["containers"] as JsonArray ?? []).OfType<JsonObject>();

    private static IEnumerable<JsonObject> Volumes(JsonObject spec) =>
        (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>();

    private static bool UsesFieldRef(JsonObject container) =>
        (container["env"] as JsonArray ?? []).OfType<JsonObject>().Any(e => e["valueFrom"]?["fieldRef"] is not null);

    private static bool IsWritableClaim(JsonObject volume) =>
        volume["persistentVolumeClaim"] is JsonObject claim && claim["readOnly"]?.GetValue<bool>() != true;
}

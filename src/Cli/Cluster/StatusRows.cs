using System.Globalization;
using System.Text;
using System.Text.Json;
using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Cli.Cluster;

/// <summary>One service as <c>hoist status</c> shows it.</summary>
internal sealed record ServiceRow(string Service, string Kind, string Namespace, int Ready, int Desired, string Autoscaling, string State);

/// <summary>
/// Reads a service's row from its workload: ready and desired replicas, the autoscaler's settings and, for
/// Knative, what its pod autoscaler wants now. Pure: model objects and JSON in, rows and text out.
/// </summary>
internal static class StatusRows
{
    public const string None = "-";

    public static ServiceRow FromDeployment(V1Deployment deployment)
    {
        var readiness = WorkloadReadiness.Of(deployment);
        return new ServiceRow(ServiceName(deployment.Metadata), "Deployment", deployment.Metadata.NamespaceProperty, readiness.Ready, readiness.Desired, None, State(readiness));
    }

    public static ServiceRow FromStatefulSet(V1StatefulSet statefulSet)
    {
        var readiness = WorkloadReadiness.Of(statefulSet);
        var annotations = statefulSet.Metadata.Annotations ?? new Dictionary<string, string>();
        var distribution = annotations.TryGetValue(ManifestAnnotations.Distribution, out var type) ? $"StatefulSet ({type})" : "StatefulSet";
        return new ServiceRow(
            ServiceName(statefulSet.Metadata),
            distribution,
            statefulSet.Metadata.NamespaceProperty,
            readiness.Ready,
            readiness.Desired,
            Autoscaling(annotations, ManifestAnnotations.HoistAutoscalingPrefix),
            State(readiness));
    }

    /// <summary>
    /// A Knative Service. <paramref name="podAutoscaler"/> is its latest ready revision's PodAutoscaler, whose
    /// desired and actual scale are the autoscaler's live state; without it, <paramref name="readyPods"/> counts.
    /// </summary>
    public static ServiceRow FromKnative(JsonElement service, JsonElement? podAutoscaler, int readyPods)
    {
        var readiness = WorkloadReadiness.OfKnative(service);
        var metadata = Metadata(service);
        var annotations = TemplateAnnotations(service);
        var ready = readyPods;
        var desired = readiness.IsReady ? Math.Max(readyPods, 1) : 1;
        if (podAutoscaler is { } pa && pa.TryGetProperty("status", out var status))
        {
            ready = Int(status, "actualScale") ?? ready;
            desired = Int(status, "desiredScale") ?? desired;
        }

        var state = State(readiness);
        if (readiness.IsReady && desired == 0 && ready == 0)
        {
            state = "Scaled to zero";
        }

        return new ServiceRow(ServiceName(metadata), "Knative Service", metadata.NamespaceProperty, ready, desired, Autoscaling(annotations, ManifestAnnotations.KnativeAutoscalingPrefix), state);
    }

    public static ServiceRow FromRay(JsonElement cluster)
    {
        var readiness = WorkloadReadiness.OfRay(cluster);
        var metadata = Metadata(cluster);
        return new ServiceRow(ServiceName(metadata), "RayCluster", metadata.NamespaceProperty, readiness.Ready, readiness.Desired, None, State(readiness));
    }

    /// <summary>"concurrency 8 at 70%, 0..10 replicas, window 60s, to zero after 300s"; "-" when the annotations hold no autoscaling.</summary>
    public static string Autoscaling(IDictionary<string, string> annotations, string prefix)
    {
        string? Get(string key) => annotations.TryGetValue(prefix + key, out var value) && value.Length > 0 ? value : null;

        var metric = Get(ManifestAnnotations.Metric);
        var target = Get(ManifestAnnotations.Target);
        if (metric is null && target is null && Get(ManifestAnnotations.Class) is null)
        {
            return None;
        }

        var text = new StringBuilder();
        // No target: [Autoscale(ContainerConcurrency)] decides it, as Knative derives it from containerConcurrency.
        text.Append(metric ?? "concurrency").Append(' ').Append(target ?? Get(ManifestAnnotations.ContainerConcurrency) ?? "from containerConcurrency");
        if (Get(ManifestAnnotations.TargetUtilization) is { } utilization)
        {
            text.Append(" at ").Append(utilization).Append('%');
        }

        var min = Get(ManifestAnnotations.MinScale) ?? "1";
        var max = Get(ManifestAnnotations.MaxScale) is { } m && m != "0" ? m : "unbounded";
        text.Append(", ").Append(min).Append("..").Append(max).Append(" replicas");
        if (Get(ManifestAnnotations.Window) is { } window)
        {
            text.Append(", window ").Append(window);
        }

        if (Get(ManifestAnnotations.ScaleToZeroRetention) is { } retention)
        {
            text.Append(", to zero after ").Append(retention);
        }

        if (Get(ManifestAnnotations.ScaleDownDelay) is { } delay)
        {
            text.Append(", scale-down delay ").Append(delay);
        }

        return text.ToString();
    }

    /// <summary>A fixed-width table, a header row first, every column as wide as its widest cell.</summary>
    public static string Format(IReadOnlyList<ServiceRow> rows)
    {
        string[] header = ["SERVICE", "KIND", "NAMESPACE", "READY", "AUTOSCALING", "STATE"];
        return TextTable.Format(header, rows.Select(r => new[]
        {
            r.Service,
            r.Kind,
            r.Namespace,
            $"{r.Ready.ToString(CultureInfo.InvariantCulture)}/{r.Desired.ToString(CultureInfo.InvariantCulture)}",
            r.Autoscaling,
            r.State,
        }));
    }

    private static string State(Readiness readiness) => readiness.IsReady ? "Ready" : readiness.Detail;

    private static string ServiceName(V1ObjectMeta metadata) =>
        metadata.Labels is { } labels && labels.TryGetValue(ManifestLabels.Name, out var name) ? name : metadata.Name;

    private static V1ObjectMeta Metadata(JsonElement item) =>
        item.TryGetProperty("metadata", out var metadata) ? k8s.KubernetesJson.Deserialize<V1ObjectMeta>(metadata.GetRawText()) : new V1ObjectMeta();

    private static IDictionary<string, string> TemplateAnnotations(JsonElement service)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (service.TryGetProperty("spec", out var spec)
            && spec.TryGetProperty("template", out var template)
            && template.TryGetProperty("metadata", out var metadata)
            && metadata.TryGetProperty("annotations", out var values)
            && values.ValueKind == JsonValueKind.Object)
        {
            foreach (var value in values.EnumerateObject())
            {
                annotations[value.Name] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString()! : value.Value.GetRawText();
            }
        }

        return annotations;
    }

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;
}

using System.Text.Json;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// A service with [Autoscale] and no [Distribute]: a Knative Service, which Knative scales (to zero too) by the
/// settings on its revision template. It is addressed by its own name (Knative makes the Services), and from outside
/// the cluster through each ready pod of its revision, or Knative's activator while the revision is at zero.
/// </summary>
internal sealed class KnativeServiceKind : WorkloadKind
{
    public override ResourceKind Resource { get; } = new("Service", KnativeService.KnativeGroup, "v1", "services") { IsCustom = true };

    public override bool Runs(ServiceDescriptor descriptor) => descriptor.Distribution is null && descriptor.Autoscale is not null;

    public override IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Render(RenderTarget target) => [ManifestRenderer.RenderKnativeService(target, target.Descriptor.Autoscale!)];

    public override bool IsWorkload(IKubernetesObject<V1ObjectMeta> value) => value is KnativeService;

    /// <summary>Knative makes the Services in front of each revision itself; Hoist renders none.</summary>
    public override IReadOnlyList<ResourceKind> Companions => [];

    public override bool AddressedByOwnName => true;

    /// <summary>A Knative Service: Ready=True for the current generation, and its latest revision is the one that serves.</summary>
    public override Readiness ReadinessOf(JsonElement workload)
    {
        var generation = WorkloadReadiness.Long(workload, "metadata", "generation");
        var status = WorkloadReadiness.Child(workload, "status");
        if (status is null || (WorkloadReadiness.Long(workload, "status", "observedGeneration") ?? 0) < (generation ?? 0))
        {
            return Readiness.Waiting(0, 1, "Knative has not seen the current spec yet");
        }

        var created = WorkloadReadiness.String(workload, "status", "latestCreatedRevisionName");
        var readyRevision = WorkloadReadiness.String(workload, "status", "latestReadyRevisionName");
        var ready = WorkloadReadiness.Condition(status.Value, "Ready");
        if (ready is ("True", _, _, _) && created is not null && created == readyRevision)
        {
            return new Readiness(true, 1, 1, "ready") { Revision = readyRevision };
        }

        var (_, reason, message, _) = ready ?? ("Unknown", null, null, null);
        return Readiness.Waiting(0, 1, reason is null ? $"revision {created ?? "(none yet)"} is not ready" : $"{reason}: {message}");
    }

    /// <summary>
    /// Inside the cluster, the Knative route. From outside, a port-forward to a ready pod of the revision, at the
    /// queue-proxy's h2c port, in the service's own namespace (the rights a developer has there), so the queue-proxy
    /// counts the call for the autoscaler as any request; only while the revision is at zero does a connection go to
    /// Knative's activator in knative-serving, which wakes it. The caller spreads this route into one per ready pod
    /// (<see cref="RevisionPodRoutes"/>), since one connection through any pod would put all its calls on one.
    /// </summary>
    public override IReadOnlyList<WorkerRoute> Routes(ServiceLayout layout, Readiness readiness, bool clusterDns, RouteSettings settings)
    {
        var ns = layout.Namespace;
        if (clusterDns)
        {
            return [new DnsRoute(0, layout.Service, WorkerRoutes.Http(settings.Host(layout.ServiceName, ns), WorkerRoutes.KnativeRoutePort))];
        }

        var revision = readiness.Revision ?? throw new InvalidOperationException($"Knative Service '{layout.WorkloadName}' is ready but reports no revision.");
        return
        [
            new PortForwardRoute(0, revision, ns, null, $"{WorkerRoutes.KnativeRevisionLabel}={revision}", WorkerRoutes.KnativeQueueProxyH2cPort)
            {
                // The activator picks the revision by these headers (the queue-proxy passes them on unread).
                Headers = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [WorkerRoutes.KnativeRevisionHeader] = revision,
                    [WorkerRoutes.KnativeNamespaceHeader] = ns,
                },
                AtZero = new PortForwardRoute(0, revision, settings.KnativeNamespace, null, WorkerRoutes.KnativeActivatorSelector, WorkerRoutes.KnativeActivatorPort),
                KnativeService = layout.WorkloadName,
                Revision = revision,
            },
        ];
    }

    public override IEnumerable<V1ObjectMeta> TokenTemplates(IKubernetesObject<V1ObjectMeta> workload) =>
        workload is KnativeService knative ? [knative.Spec.Template.Metadata ??= new V1ObjectMeta()] : [];

    public override bool ReportsLiveScale => true;

    /// <summary>
    /// A Knative Service's row. <see cref="LiveScale.PodAutoscaler"/> is its latest ready revision's PodAutoscaler, whose
    /// desired and actual scale are the autoscaler's live state; without it, <see cref="LiveScale.ReadyPods"/> counts.
    /// </summary>
    public override ServiceRow StatusRow(JsonElement workload, LiveScale? live)
    {
        var readiness = ReadinessOf(workload);
        var metadata = Metadata(workload);
        var annotations = TemplateAnnotations(workload);
        var readyPods = live?.ReadyPods ?? 0;
        var ready = readyPods;
        var desired = readiness.IsReady ? Math.Max(readyPods, 1) : 1;
        if (live?.PodAutoscaler is { } pa && pa.TryGetProperty("status", out var status))
        {
            ready = Int(status, "actualScale") ?? ready;
            desired = Int(status, "desiredScale") ?? desired;
        }

        var state = State(readiness);
        if (readiness.IsReady && desired == 0 && ready == 0)
        {
            state = "Scaled to zero";
        }

        return new ServiceRow(ServiceName(metadata), "Knative Service", metadata.NamespaceProperty, ready, desired, AutoscaleAnnotations.Describe(annotations, ManifestAnnotations.KnativeAutoscalingPrefix), state);
    }

    private static IDictionary<string, string> TemplateAnnotations(JsonElement service)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (WorkloadReadiness.Child(service, "spec", "template", "metadata", "annotations") is { ValueKind: JsonValueKind.Object } values)
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

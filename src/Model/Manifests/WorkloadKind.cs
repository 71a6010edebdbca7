using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// One kind of workload a service runs as (a Deployment, a StatefulSet, a Knative Service, a RayCluster), with
/// everything Hoist knows about it in one place: which services it runs and how it renders them, where the rendered
/// service is addressed, when the object the API returns is ready, how a caller reaches its workers, which pod
/// templates the deploy-time annotations go on, what the in-cluster controller scales and what a teardown deletes,
/// and the row <c>hoist status</c> shows. Pure: objects and JSON in, decisions out. The API calls stay with the code
/// that uses a kind (<c>ClusterClient</c>, the controller, the CLI), which reads, lists, applies, scales and
/// deletes every kind the same way, by its <see cref="Resource"/>'s group, version and plural. The kinds live beside
/// the renderer because rendering picks the kind (<see cref="WorkloadKinds.For"/>).
/// </summary>
internal abstract class WorkloadKind
{
    /// <summary>What the API needs to address the workload object.</summary>
    public abstract ResourceKind Resource { get; }

    /// <summary>Whether a service of <paramref name="descriptor"/> runs as this kind; exactly one kind says yes.</summary>
    public abstract bool Runs(ServiceDescriptor descriptor);

    /// <summary>The service's workload and the objects beside it (its Services), in the order they are applied.</summary>
    public abstract IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Render(RenderTarget target);

    /// <summary>Whether <paramref name="value"/> is this kind's workload object (as rendered).</summary>
    public abstract bool IsWorkload(IKubernetesObject<V1ObjectMeta> value);

    /// <summary>
    /// The kinds rendered beside the workload that a teardown and a rollout's pruning delete with it (the [Volume]
    /// claims never: the data is the point).
    /// </summary>
    public virtual IReadOnlyList<ResourceKind> Companions => [ResourceKind.Service];

    /// <summary>
    /// Whether the service is addressed by the workload's own name rather than by a ClusterIP Service of its own. A
    /// Knative Service makes Services for each revision, and they may carry the service's labels too.
    /// </summary>
    public virtual bool AddressedByOwnName => false;

    /// <summary>The ranks of a rendered workload: its pods, each a rank, for a group; 1 otherwise.</summary>
    public virtual int Ranks(IKubernetesObject<V1ObjectMeta> workload) => 1;

    /// <summary>The ranks of a workload as the API returns it.</summary>
    public virtual int Ranks(JsonElement workload) => 1;

    /// <summary>Whether the workload, as the API returns it, serves its current spec, and what it waits for if not.</summary>
    public abstract Readiness ReadinessOf(JsonElement workload);

    /// <summary>Where each worker of the ready service is reached, from inside the cluster or by port-forward.</summary>
    public abstract IReadOnlyList<WorkerRoute> Routes(ServiceLayout layout, Readiness readiness, bool clusterDns, RouteSettings settings);

    /// <summary>The pods that run the service's Hoist worker: all of its pods, unless the kind says otherwise.</summary>
    public virtual string WorkerPodSelector(ServiceLayout layout) => layout.PodSelector;

    /// <summary>The pod templates whose pods read the call token, which the token's digest goes on.</summary>
    public abstract IEnumerable<V1ObjectMeta> TokenTemplates(IKubernetesObject<V1ObjectMeta> workload);

    /// <summary>The pod templates whose pods get the service's [Secret]s, which the Secrets' digest goes on.</summary>
    public virtual IEnumerable<V1ObjectMeta> SecretTemplates(IKubernetesObject<V1ObjectMeta> workload) => TokenTemplates(workload);

    /// <summary>
    /// Whether applying over an existing workload can leave pods on the old spec, which the rollout then deletes:
    /// the backend reads the workload before applying only for such a kind.
    /// </summary>
    public virtual bool MayRestartPodsOnApply => false;

    /// <summary>
    /// Whether the pods must be deleted after an apply, from the workload as it was (<paramref name="before"/>, null when
    /// new) and the apply's echo of it.
    /// </summary>
    public virtual bool RestartsPods(JsonElement? before, JsonElement applied) => false;

    /// <summary>
    /// Whether the in-cluster controller scales workloads of this kind, through their <c>/scale</c> subresource; it
    /// lists only these kinds, and its Role grants those rights.
    /// </summary>
    public virtual bool ControllerScales => false;

    /// <summary>The controller's view of a rendered workload of this kind, or null when it has nothing to scale it by.</summary>
    public virtual ScaledWorkload? Scaled(IKubernetesObject<V1ObjectMeta> workload) => null;

    /// <summary>The controller's view of a workload as the API returns it, or null when it has nothing to scale it by.</summary>
    public virtual ScaledWorkload? Scaled(JsonElement workload) => null;

    /// <summary>
    /// Whether <c>hoist status</c> reads the live scale of the service from Knative's PodAutoscaler and its ready pods
    /// (<see cref="LiveScale"/>) for <see cref="StatusRow"/>.
    /// </summary>
    public virtual bool ReportsLiveScale => false;

    /// <summary>The service's row in <c>hoist status</c>, from the workload as the API returns it.</summary>
    public abstract ServiceRow StatusRow(JsonElement workload, LiveScale? live);

    public override string ToString() => Resource.ToString();

    /// <summary>
    /// The one endpoint of a service behind its ClusterIP Service: by the Service's DNS name from inside the cluster,
    /// else a port-forward to any ready pod of <see cref="WorkerPodSelector"/>, chosen per connection.
    /// </summary>
    protected IReadOnlyList<WorkerRoute> ServiceRoute(ServiceLayout layout, bool clusterDns, RouteSettings settings) =>
        clusterDns
            ? [new DnsRoute(0, layout.Service, WorkerRoutes.Http(settings.Host(layout.ServiceName, layout.Namespace), settings.GrpcPort))]
            : [new PortForwardRoute(0, layout.Service, layout.Namespace, null, WorkerPodSelector(layout), settings.GrpcPort)];

    /// <summary>A workload as the API returns it, as the typed model of a built-in kind.</summary>
    protected static T As<T>(JsonElement workload) => KubernetesJson.Deserialize<T>(workload.GetRawText());

    protected static V1ObjectMeta Metadata(JsonElement item) =>
        item.TryGetProperty("metadata", out var metadata) ? KubernetesJson.Deserialize<V1ObjectMeta>(metadata.GetRawText()) : new V1ObjectMeta();

    /// <summary>
    /// What a built-in workload waits for before its status counts, or null when it counts: at zero replicas (the
    /// controller stopped it), or its <paramref name="controller"/> controller has not seen the current spec yet.
    /// </summary>
    protected static Readiness? Unreconciled(int desired, int ready, bool hasStatus, long? observedGeneration, long? generation, string controller) =>
        desired == 0 ? WorkloadReadiness.ScaledToZero
        : !hasStatus || (observedGeneration ?? 0) < (generation ?? 0) ? Readiness.Waiting(ready, desired, $"the {controller} controller has not seen the current spec yet")
        : null;

    /// <summary>"Ready", or what the workload waits for.</summary>
    protected static string State(Readiness readiness) => readiness.IsReady ? "Ready" : readiness.Detail;

    /// <summary>The service a workload runs: its <c>app.kubernetes.io/name</c>, else its own name.</summary>
    protected static string ServiceName(V1ObjectMeta metadata) =>
        metadata.Labels is { } labels && labels.TryGetValue(ManifestLabels.Name, out var name) ? name : metadata.Name;

    protected static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What a route needs besides the layout: the workers' gRPC port, the cluster's DNS domain and Knative's namespace.</summary>
internal sealed record RouteSettings(int GrpcPort, string ClusterDomain, string KnativeNamespace)
{
    /// <summary>The backend's settings the routes read.</summary>
    public static RouteSettings From(Hoist.Configuration.KubernetesBackendOptions options) => new(options.GrpcPort, options.ClusterDomain, options.KnativeNamespace);

    /// <summary>A Service's in-cluster name: "&lt;name&gt;.&lt;namespace&gt;.svc.&lt;domain&gt;".</summary>
    public string Host(string name, string ns) => $"{name}.{ns}.svc.{ClusterDomain}";
}

/// <summary>A Knative Service's live scale for <c>hoist status</c>: its latest ready revision's PodAutoscaler, and its ready pods.</summary>
internal sealed record LiveScale(JsonElement? PodAutoscaler, int ReadyPods);

/// <summary>One service as <c>hoist status</c> shows it.</summary>
internal sealed record ServiceRow(string Service, string Kind, string Namespace, int Ready, int Desired, string Autoscaling, string State);

using System.Globalization;
using Hoist.Configuration;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>How the caller reaches one worker (or one rank): the headers every call carries, and where it goes.</summary>
internal abstract record WorkerRoute(int Rank, string Replica)
{
    /// <summary>Headers added to every call besides the token, e.g. the Knative revision for its activator.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>From inside the cluster: a Service or pod DNS name.</summary>
internal sealed record DnsRoute(int Rank, string Replica, Uri Address) : WorkerRoute(Rank, Replica);

/// <summary>
/// From outside: a port-forward through the API server to <see cref="Pod"/>, or to any ready pod matching
/// <see cref="PodSelector"/>, chosen per connection.
/// </summary>
internal sealed record PortForwardRoute(int Rank, string Replica, string Namespace, string? Pod, string? PodSelector, int Port) : WorkerRoute(Rank, Replica)
{
    /// <summary>Where the tunnel goes, for logs and errors: "ml/app.kubernetes.io/name=probe:50051".</summary>
    public string Key => $"{Namespace}/{Pod ?? PodSelector}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Where a connection goes when no pod of <see cref="PodSelector"/> is ready: for a Knative revision scaled to
    /// zero, Knative's activator, which holds the call and wakes the revision.
    /// </summary>
    public PortForwardRoute? AtZero { get; init; }

    /// <summary>The Knative Service whose <see cref="Revision"/> this route reaches, to notice when a redeploy replaced it.</summary>
    public string? KnativeService { get; init; }

    /// <summary>The Knative revision this route was planned for: the route's replica, or the revision of its pod.</summary>
    public string? Revision { get; init; }

    /// <summary>
    /// Whether the revision this route was planned for is no longer the service's latest ready one (another process
    /// redeployed it): its pods are going, and the activator would wake the old revision. Pure.
    /// </summary>
    public bool IsStale(Readiness? live) => KnativeService is not null && live?.Revision is { } latest && latest != Revision;
}

/// <summary>
/// Decides where each worker of a ready service is reached, by its kind (<see cref="WorkloadKind.Routes"/>): plain
/// and Ray services are one endpoint (their Service), a distributed StatefulSet is one endpoint per rank in ordinal
/// order, and a Knative Service is its route in the cluster or, from outside, its revision's pods (one endpoint per
/// ready pod, <see cref="RevisionPodRoutes"/>). Pure.
/// </summary>
internal static class WorkerRoutes
{
    /// <summary>The Knative activator's HTTP/2 cleartext port.</summary>
    public const int KnativeActivatorPort = 8013;

    public const string KnativeActivatorSelector = "app=activator";

    /// <summary>The headers the Knative activator reads to pick the revision when a request does not come from its ingress.</summary>
    public const string KnativeRevisionHeader = "knative-serving-revision";

    public const string KnativeNamespaceHeader = "knative-serving-namespace";

    /// <summary>A Knative route listens on plain HTTP port 80 and speaks h2c to an "h2c" container port.</summary>
    public const int KnativeRoutePort = 80;

    /// <summary>
    /// The queue-proxy's serving port in a revision whose container port is named "h2c" (knative.dev/networking's
    /// BackendHTTP2Port; 8012 serves HTTP/1).
    /// </summary>
    public const int KnativeQueueProxyH2cPort = 8013;

    /// <summary>The label Knative puts on every pod of a revision.</summary>
    public const string KnativeRevisionLabel = "serving.knative.dev/revision";

    public const string RayHeadSelector = "ray.io/node-type=head";

    /// <summary>The routes of <paramref name="layout"/>'s kind (<see cref="WorkloadKind.Routes"/>), with the backend's port, DNS domain and Knative namespace.</summary>
    public static IReadOnlyList<WorkerRoute> Plan(ServiceLayout layout, Readiness readiness, bool clusterDns, KubernetesBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(readiness);
        ArgumentNullException.ThrowIfNull(options);
        return layout.WorkloadKind.Routes(layout, readiness, clusterDns, RouteSettings.From(options));
    }

    /// <summary>"auto" resolves by where this process runs: a pod has KUBERNETES_SERVICE_HOST.</summary>
    public static bool UseClusterDns(string connectMode, bool inCluster) => connectMode.ToLowerInvariant() switch
    {
        KubernetesConnectModes.ClusterDns => true,
        KubernetesConnectModes.PortForward => false,
        _ => inCluster,
    };

    /// <summary>The names of the pods that are running, ready and not being deleted, in name order: the pods a call may go to.</summary>
    public static IReadOnlyList<string> ReadyPods(IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        return pods.Where(p => p.Metadata?.DeletionTimestamp is null
                && p.Status?.Phase == "Running"
                && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            .Select(p => p.Metadata.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>A pod's own address from inside the cluster, by its IP: "http://10.1.2.3:50051", or "http://[fd00::3]:50051".</summary>
    public static Uri PodAddress(string podIp, int port) => Http(podIp.Contains(':') ? $"[{podIp}]" : podIp, port);

    /// <summary>A plain-HTTP address, without the port when it is the Knative route's 80.</summary>
    public static Uri Http(string host, int port) =>
        port == KnativeRoutePort ? new Uri($"http://{host}") : new Uri($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}");
}

using System.Globalization;
using Hoist.Hosting;
using Hoist.Configuration;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes;

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

    /// <summary>The Knative Service whose revision <see cref="WorkerRoute.Replica"/> names, to notice when a redeploy replaced it.</summary>
    public string? KnativeService { get; init; }

    /// <summary>
    /// Whether the revision this route was planned for is no longer the service's latest ready one (another process
    /// redeployed it): its pods are going, and the activator would wake the old revision. Pure.
    /// </summary>
    public bool IsStale(Readiness? live) => KnativeService is not null && live?.Revision is { } latest && latest != Replica;
}

/// <summary>
/// Decides where each worker of a ready service is reached. Pure: plain and Ray services are one endpoint
/// (their Service), a distributed StatefulSet is one endpoint per rank in ordinal order, and a Knative Service
/// is its route in the cluster. From outside, a Knative Service is a port-forward to a ready pod of its revision,
/// at the queue-proxy's h2c port, in the service's own namespace (the rights a developer has there), so the
/// queue-proxy counts the call for the autoscaler as any request; only while the revision is at zero does a
/// connection go to Knative's activator in knative-serving, which wakes it.
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

    public static IReadOnlyList<WorkerRoute> Plan(ServiceLayout layout, Readiness readiness, bool clusterDns, KubernetesBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(readiness);
        ArgumentNullException.ThrowIfNull(options);
        var ns = layout.Namespace;
        var port = options.GrpcPort;
        string Host(string name) => $"{name}.{ns}.svc.{options.ClusterDomain}";

        if (layout.WorkloadKind == ResourceKind.StatefulSet)
        {
            return Enumerable.Range(0, layout.Ranks).Select(rank =>
            {
                var pod = layout.RankPod(rank);
                return clusterDns
                    ? (WorkerRoute)new DnsRoute(rank, pod, Http($"{pod}.{layout.HeadlessServiceName}.{ns}.svc.{options.ClusterDomain}", port))
                    : new PortForwardRoute(rank, pod, ns, pod, null, port);
            }).ToArray();
        }

        if (layout.WorkloadKind == ResourceKind.KnativeService)
        {
            if (clusterDns)
            {
                return [new DnsRoute(0, layout.Service, Http(Host(layout.ServiceName), KnativeRoutePort))];
            }

            var revision = readiness.Revision ?? throw new InvalidOperationException($"Knative Service '{layout.WorkloadName}' is ready but reports no revision.");
            return
            [
                new PortForwardRoute(0, revision, ns, null, $"{KnativeRevisionLabel}={revision}", KnativeQueueProxyH2cPort)
                {
                    // The activator picks the revision by these headers (the queue-proxy passes them on unread).
                    Headers = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        [KnativeRevisionHeader] = revision,
                        [KnativeNamespaceHeader] = ns,
                    },
                    AtZero = new PortForwardRoute(0, revision, options.KnativeNamespace, null, KnativeActivatorSelector, KnativeActivatorPort),
                    KnativeService = layout.WorkloadName,
                },
            ];
        }

        if (clusterDns)
        {
            return [new DnsRoute(0, layout.Service, Http(Host(layout.ServiceName), port))];
        }

        var selector = layout.WorkloadKind == ResourceKind.RayCluster ? $"{layout.PodSelector},{RayHeadSelector}" : layout.PodSelector;
        return [new PortForwardRoute(0, layout.Service, ns, null, selector, port)];
    }

    /// <summary>"auto" resolves by where this process runs: a pod has KUBERNETES_SERVICE_HOST.</summary>
    public static bool UseClusterDns(string connectMode, bool inCluster) => connectMode.ToLowerInvariant() switch
    {
        KubernetesConnectModes.ClusterDns => true,
        KubernetesConnectModes.PortForward => false,
        _ => inCluster,
    };

    /// <summary>A pod's own address from inside the cluster, by its IP: "http://10.1.2.3:50051", or "http://[fd00::3]:50051".</summary>
    public static Uri PodAddress(string podIp, int port) => Http(podIp.Contains(':') ? $"[{podIp}]" : podIp, port);

    private static Uri Http(string host, int port) =>
        port == KnativeRoutePort ? new Uri($"http://{host}") : new Uri($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}");
}

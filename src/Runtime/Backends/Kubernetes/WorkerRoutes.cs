using System.Globalization;
using Hoist.Hosting;

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
    /// <summary>Routes with the same key share one local port.</summary>
    public string Key => $"{Namespace}/{Pod ?? PodSelector}:{Port.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Decides where each worker of a ready service is reached. Pure: plain and Ray services are one endpoint
/// (their Service), a distributed StatefulSet is one endpoint per rank in ordinal order, and a Knative Service
/// is its route in the cluster, or Knative's activator from outside, so calls still wake it from zero and
/// count toward its autoscaling.
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
                new PortForwardRoute(0, revision, options.KnativeNamespace, null, KnativeActivatorSelector, KnativeActivatorPort)
                {
                    Headers = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        [KnativeRevisionHeader] = revision,
                        [KnativeNamespaceHeader] = ns,
                    },
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

    private static Uri Http(string host, int port) =>
        port == KnativeRoutePort ? new Uri($"http://{host}") : new Uri($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}");
}

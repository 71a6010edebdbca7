using System.Globalization;
using Grpc.Net.Client;
using Hoist.Client;
using Hoist.Transport;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Turns a service's worker routes into endpoints this process can call: the Service's cluster DNS name from a
/// pod, or from anywhere else a port-forward tunnel per connection, opened by the gRPC channel itself (its
/// connect callback) to a ready pod taken in turn. A tunnel that cannot be opened is a connection that failed,
/// so the call was never sent and goes again once the service is found anew, as after a pod was replaced. The
/// Kubernetes backend and <c>hoist call</c> both reach workers through it.
/// </summary>
internal sealed partial class WorkerConnector(ILogger logger)
{
    private const int TunnelAttempts = 3;

    /// <summary>
    /// How long a new tunnel waits for the kubelet to refuse it (its dial to the pod's port failed) before it is
    /// taken as open: once per connection, which gRPC keeps for many calls.
    /// </summary>
    public static readonly TimeSpan RefusalGrace = TimeSpan.FromMilliseconds(150);

    private int _nextPod;

    public WorkerEndpoint CreateEndpoint(ClusterClient cluster, string service, WorkerRoute route, string token)
    {
        var endpoint = route switch
        {
            DnsRoute dns => new WorkerEndpoint(service, route.Replica, route.Rank, dns.Address, token),
            PortForwardRoute forward => new WorkerEndpoint(service, route.Replica, route.Rank, Authority(forward), token, connect: ct => OpenTunnelAsync(cluster, forward, ct)),
            _ => throw new NotSupportedException(route.GetType().Name),
        };
        foreach (var (header, value) in route.Headers)
        {
            endpoint.Headers.Add(header, value);
        }

        return endpoint;
    }

    /// <summary>
    /// A bare channel to <paramref name="route"/>, without a worker's token or call accounting: for the in-cluster
    /// controller's activator, reached the way workers are (cluster DNS, or a port-forward per connection).
    /// </summary>
    public GrpcChannel CreateChannel(ClusterClient? cluster, WorkerRoute route) => route switch
    {
        DnsRoute dns => WorkerChannels.Create(dns.Address, socketPath: null),
        PortForwardRoute forward when cluster is not null => WorkerChannels.Create(Authority(forward), socketPath: null, connect: ct => OpenTunnelAsync(cluster, forward, ct)),
        PortForwardRoute => throw new ArgumentNullException(nameof(cluster), "A port-forward goes through the cluster's API server."),
        _ => throw new NotSupportedException(route.GetType().Name),
    };

    /// <summary>
    /// Where a new connection of <paramref name="route"/> goes: its named pod, else a ready pod of its selector taken
    /// in turn (so connections spread over the replicas), else, when none is ready and the route has one, a pod of
    /// its <see cref="PortForwardRoute.AtZero"/> route (Knative's activator).
    /// </summary>
    public async Task<(PortForwardRoute Route, string Pod)> PickTargetAsync(ClusterClient cluster, PortForwardRoute route, CancellationToken cancellationToken)
    {
        // A revision another process's deploy replaced still has pods for a while, and the activator would wake it
        // again: a new connection of a stale route, to the revision or to one of its pods, fails (never sent), and the
        // service is looked up anew.
        if (route.KnativeService is { } knative
            && route.IsStale(await cluster.ReadReadinessAsync(Manifests.WorkloadKinds.Knative, route.Namespace, knative, cancellationToken).ConfigureAwait(false)))
        {
            throw new RevisionReplacedException($"Revision {route.Revision} of Knative Service {route.Namespace}/{knative} is no longer its latest ready one.");
        }

        if (route.Pod is { } named)
        {
            return (route, named);
        }

        var turn = Interlocked.Increment(ref _nextPod);
        if (Choose(await cluster.ListPodsAsync(route.Namespace, route.PodSelector!, cancellationToken).ConfigureAwait(false), turn) is { } pod)
        {
            return (route, pod);
        }

        if (route.AtZero is { } atZero && Choose(await cluster.ListPodsAsync(atZero.Namespace, atZero.PodSelector!, cancellationToken).ConfigureAwait(false), turn) is { } woken)
        {
            return (atZero, woken);
        }

        throw new InvalidOperationException($"No ready pod in namespace {route.Namespace} matches {route.PodSelector}" +
            (route.AtZero is { } zero ? $", nor in namespace {zero.Namespace} {zero.PodSelector}." : "."));
    }

    /// <summary>The <paramref name="turn"/>-th of the ready pods (<see cref="WorkerRoutes.ReadyPods"/>), round the list; null when none is ready.</summary>
    public static string? Choose(IEnumerable<V1Pod> pods, int turn)
    {
        var ready = WorkerRoutes.ReadyPods(pods);
        return ready.Count == 0 ? null : ready[(int)((uint)turn % (uint)ready.Count)];
    }

    /// <summary>
    /// What a tunnelled channel sends as its HTTP/2 authority, and logs show: where the tunnel goes. Nothing
    /// resolves it; the worker (or Knative's activator or queue-proxy) routes by the route's headers, not by host.
    /// </summary>
    public static Uri Authority(PortForwardRoute route) =>
        new($"http://{route.Replica}.{route.Namespace}.port-forward:{route.Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>
    /// One connection's tunnel: a pod picked now (a replaced pod is found again on the next connection), then a
    /// port-forward WebSocket to it, with a few quick tries. Failing all, a <see cref="WorkerNotReachedException"/>.
    /// </summary>
    private async ValueTask<Stream> OpenTunnelAsync(ClusterClient cluster, PortForwardRoute route, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (target, pod) = await PickTargetAsync(cluster, route, cancellationToken).ConfigureAwait(false);
                var socket = await cluster.PortForwardAsync(target.Namespace, pod, target.Port, cancellationToken).ConfigureAwait(false);
                var stream = new PodPortStream(socket, $"pod {target.Namespace}/{pod}:{target.Port.ToString(CultureInfo.InvariantCulture)}");
                try
                {
                    await stream.ProbeAsync(RefusalGrace, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                return stream;
            }
            catch (RevisionReplacedException ex)
            {
                // Trying again finds the same: the endpoint must be planned anew.
                throw new WorkerNotReachedException(ex.Message, ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= TunnelAttempts)
                {
                    LogTunnelFailed(logger, route.Key, attempt, ex.Message);
                    throw new WorkerNotReachedException($"No port-forward to {route.Key} could be opened after {attempt} attempts: {ex.Message}", ex);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port-forward {Name}: could not open a tunnel after {Attempts} attempts: {Reason}")]
    private static partial void LogTunnelFailed(ILogger logger, string name, int attempts, string reason);
}

/// <summary>The Knative revision a route was planned for was replaced; the service must be looked up again.</summary>
internal sealed class RevisionReplacedException(string message) : InvalidOperationException(message);

using Grpc.Core;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Hosting;
using Hoist.Protocol;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Hoist.Configuration;
using Hoist.Manifests;

namespace Hoist.Cli.Cluster;

/// <summary>
/// The wire contract digest each ready pod of a service serves (<c>WorkerLoad.wire_contract</c>), for <c>hoist status</c>:
/// during a rolling update or after a partial sync, pods that show different ones run builds whose callers each other's
/// pods refuse. Each pod is asked with GetLoad, which needs no token, by the route a sync takes to it.
/// </summary>
internal static class PodContracts
{
    /// <summary>How long a pod has to answer: GetLoad answers from counters, so a slower pod shows "?".</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    /// <summary>The digest by pod name; "?" for a ready pod that did not say (no route, too slow, an older worker image).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(
        ClusterClient cluster, string ns, string service, IReadOnlyList<V1Pod> pods, KubernetesBackendOptions options, CancellationToken cancellationToken)
    {
        var connector = new WorkerConnector(NullLogger.Instance);
        var clusterDns = WorkerRoutes.UseClusterDns(options.ConnectMode, KubernetesConnection.InCluster);
        var ready = WorkerRoutes.ReadyPods(pods.ToArray()).ToHashSet(StringComparer.Ordinal);
        var answers = await Task.WhenAll(pods
            .Where(p => ready.Contains(p.Metadata.Name))
            .Select(async (pod, index) =>
            {
                var port = WorkerLoadProbe.WorkerPort(pod);
                WorkerRoute route = clusterDns && pod.Status?.PodIP is { Length: > 0 } ip
                    ? new DnsRoute(index, pod.Metadata.Name, WorkerRoutes.PodAddress(ip, port))
                    : new PortForwardRoute(index, pod.Metadata.Name, ns, pod.Metadata.Name, null, port);
                using var endpoint = connector.CreateEndpoint(cluster, service, route, token: string.Empty);
                try
                {
                    var load = await new Protocol.Worker.WorkerClient(endpoint.Channel)
                        .GetLoadAsync(new GetLoadRequest(), deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellationToken)
                        .ConfigureAwait(false);
                    return (Pod: pod.Metadata.Name, Contract: load.WireContract.Length == 0 ? "?" : load.WireContract);
                }
                catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
                {
                    return (Pod: pod.Metadata.Name, Contract: "?");
                }
            })).ConfigureAwait(false);
        return answers.ToDictionary(a => a.Pod, a => a.Contract, StringComparer.Ordinal);
    }
}

using Hoist.Manifests;
using Hoist.Transport;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Keeps a service's endpoints one per pod while something else scales it: a Knative revision from outside the cluster
/// (Knative's autoscaler adds and removes pods) or a set of ordinal blocks (the controller adds and removes whole groups).
/// Every <see cref="Interval"/> it lists the pods of <see cref="PodRouteSource.PodSelector"/>, and when the source's plan
/// (<see cref="PodRoutePlan"/>) changed it publishes a new deployment that keeps the endpoints of pods still routed
/// (their connections and in-flight counts), adds one per new pod, and drains the endpoints of pods that left
/// (<see cref="WorkerEndpoint.MarkDraining"/>: a call one refuses goes again elsewhere) before closing them once their
/// calls finish. A poll rather than a watch: one list of a handful of pods every 2 s is little for the API server, as
/// often as Knative's own autoscaler and Hoist's controller tick, and needs no resourceVersion bookkeeping, relist on
/// 410 Gone or reconnect of a watch that the API server closes every few minutes. A failed list backs off, doubling to
/// <see cref="MaxBackoff"/>; the endpoints stay as they were meanwhile. The refresh ends when it is disposed, or when
/// another deploy or a teardown replaced the deployment it keeps: <c>replace</c> swaps the service's deployment for a
/// new one only if it is still the one given, and says whether it did. <c>prepareNewPods</c>, when given, runs before
/// new pods take calls (this build's code sync: a pod that was added starts from its image); a pod it fails for is left
/// out and tried again later.
/// </summary>
internal sealed partial class PodRouteRefresh(
    string service,
    ClusterClient cluster,
    WorkerConnector connector,
    PodRouteSource source,
    string token,
    Func<KubernetesDeployment, KubernetesDeployment, bool> replace,
    Func<IReadOnlyList<string>, CancellationToken, Task>? prepareNewPods,
    ILogger logger,
    TimeProvider time,
    CancellationToken stopping) : IDisposable
{
    /// <summary>How often the pods are listed: a new pod takes calls within about this long of being ready.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between lists after repeated failures.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    private int _readyPods;

    /// <summary>The pods the calls go to now; 0 while a Knative revision is at zero and its calls go to the activator.</summary>
    public int ReadyPods => Volatile.Read(ref _readyPods);

    /// <summary>Starts refreshing <paramref name="deployment"/>, whose endpoints were made from <paramref name="routes"/>, index by index.</summary>
    public PodRouteRefresh Start(IReadOnlyList<WorkerRoute> routes, KubernetesDeployment deployment)
    {
        _readyPods = routes.Count(r => PodRoutePlan.PodOf(r) is not null);
        var held = routes.Select((route, i) => (route, deployment.Endpoints[i])).ToArray();
        var cancellationToken = _stop.Token;
        _ = Task.Run(() => RunAsync(held, deployment, cancellationToken));
        return this;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    /// <summary>
    /// The endpoints after <paramref name="plan"/>: the held endpoint of each route kept (the same object, with its
    /// connection and its calls in flight), a new one from <paramref name="create"/> for each route added; and the
    /// endpoints of the routes removed, marked draining so a call that picked one and is refused goes elsewhere.
    /// </summary>
    public static ((WorkerRoute Route, WorkerEndpoint Endpoint)[] Next, WorkerEndpoint[] Leaving) Apply(
        PodRoutePlan plan,
        IReadOnlyList<(WorkerRoute Route, WorkerEndpoint Endpoint)> held,
        Func<WorkerRoute, WorkerEndpoint> create)
    {
        var kept = held.ToDictionary(h => h.Route.Replica, h => h.Endpoint, StringComparer.Ordinal);
        var next = plan.Routes
            .Select(route => (Route: route, Endpoint: kept.TryGetValue(route.Replica, out var endpoint) ? endpoint : create(route)))
            .ToArray();
        var leaving = plan.Removed.Select(route => kept[route.Replica]).ToArray();
        foreach (var endpoint in leaving)
        {
            endpoint.MarkDraining();
        }

        return (next, leaving);
    }

    private async Task RunAsync((WorkerRoute Route, WorkerEndpoint Endpoint)[] held, KubernetesDeployment current, CancellationToken cancellationToken)
    {
        var delay = Interval;
        var prepareBackoff = Interval;
        try
        {
            while (true)
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                IReadOnlyList<V1Pod> pods;
                try
                {
                    pods = await cluster.ListPodsAsync(source.Namespace, source.PodSelector, cancellationToken).ConfigureAwait(false);
                    delay = Interval;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
                    LogListFailed(logger, service, source.Subject, delay.TotalSeconds, ex.Message);
                    continue;
                }

                var routed = held.Select(h => h.Route).ToArray();
                var plan = source.Plan(pods, routed);
                var newPods = plan.Added.Select(PodRoutePlan.PodOf).OfType<string>().ToArray();
                if (newPods.Length > 0 && prepareNewPods is not null)
                {
                    try
                    {
                        await prepareNewPods(newPods, cancellationToken).ConfigureAwait(false);
                        prepareBackoff = Interval;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The pods already routed go on; the new ones are tried again, less often each time it fails.
                        prepareBackoff = TimeSpan.FromTicks(Math.Min(prepareBackoff.Ticks * 2, MaxBackoff.Ticks));
                        delay = prepareBackoff;
                        LogPrepareFailed(logger, service, string.Join(", ", newPods), delay.TotalSeconds, ex.Message);
                        plan = source.Plan(pods.Where(p => !newPods.Contains(p.Metadata.Name, StringComparer.Ordinal)).ToArray(), routed);
                    }
                }

                if (!plan.Changed)
                {
                    continue;
                }

                // Draining before the swap: a call that picked a leaving endpoint just before it and is refused goes again.
                var (next, leaving) = Apply(plan, held, route => connector.CreateEndpoint(cluster, service, route, token));
                var published = new KubernetesDeployment(current.Descriptor, next.Select(n => n.Endpoint).ToArray());
                if (!replace(current, published))
                {
                    foreach (var (_, endpoint) in next.Where(n => plan.Added.Contains(n.Route)))
                    {
                        endpoint.Dispose();
                    }

                    return;
                }

                Volatile.Write(ref _readyPods, plan.Pods);
                LogRoutesChanged(logger, service, source.Subject, plan.Pods, plan.Describe());
                _ = KubernetesDeployment.CloseWhenIdleAsync(leaving, time);
                held = next;
                current = published;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Not expected (only the list fails in the ordinary way): said, since the routes stop following the pods.
            LogRefreshStopped(logger, service, source.Subject, ex.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: {Workload} is called through {Pods} ready pod(s) ({Change})")]
    private static partial void LogRoutesChanged(ILogger logger, string service, string workload, int pods, string change);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service {Service}: the routes of {Workload} no longer follow its pods; the next deploy starts again: {Reason}")]
    private static partial void LogRefreshStopped(ILogger logger, string service, string workload, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: new pod(s) {Pods} take no calls yet, since this build could not be synced into them; trying again in {Seconds} s: {Reason}")]
    private static partial void LogPrepareFailed(ILogger logger, string service, string pods, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: could not list the pods of {Workload}; its routes stay as they are, trying again in {Seconds} s: {Reason}")]
    private static partial void LogListFailed(ILogger logger, string service, string workload, double seconds, string reason);
}

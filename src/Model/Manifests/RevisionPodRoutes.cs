using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// Where a caller outside the cluster sends the calls of a Knative revision, planned from the revision's pods: a route
/// to each ready pod, so the caller's least-in-flight pick spreads its calls over them (one route through any pod
/// would hold one HTTP/2 connection, and so one pod, for all of them), or, with none ready, the revision's own route,
/// whose connections go to Knative's activator and wake it. Each per-pod route still goes to the queue-proxy's h2c port
/// with the revision's headers, so Knative's autoscaler counts every call as it would through its ingress.
/// <see cref="Added"/> and <see cref="Removed"/> are what changed against the routes a caller holds now: new pods
/// start taking calls, and a leaving pod's endpoint drains instead of failing calls that could go elsewhere. Pure.
/// </summary>
/// <param name="Routes">Every route the caller should hold after this refresh, pods in name order.</param>
/// <param name="Added">Routes in <paramref name="Routes"/> the caller does not hold yet.</param>
/// <param name="Removed">Routes the caller holds that are no longer in <paramref name="Routes"/>.</param>
internal sealed record RevisionPodRoutes(IReadOnlyList<PortForwardRoute> Routes, IReadOnlyList<PortForwardRoute> Added, IReadOnlyList<PortForwardRoute> Removed)
{
    /// <summary>Whether the caller's routes must change.</summary>
    public bool Changed => Added.Count > 0 || Removed.Count > 0;

    /// <summary>No pod of the revision is ready: new connections go to Knative's activator, which wakes it.</summary>
    public bool AtZero => Routes is [{ Pod: null }];

    /// <summary>
    /// The revision route a Knative Service's kind plans from outside the cluster (a selector over its revision's pods,
    /// with the activator at zero), whose calls this plan spreads; null for any other routes, which stay as they are.
    /// </summary>
    public static PortForwardRoute? Spreadable(IReadOnlyList<WorkerRoute> routes) =>
        routes is [PortForwardRoute { Pod: null, KnativeService: not null, Revision: not null, PodSelector: not null } revision] ? revision : null;

    /// <summary>
    /// The routes for <paramref name="revision"/>'s <paramref name="pods"/> (listed by its revision label), against
    /// <paramref name="current"/>, the routes the caller holds (none on the first plan). A route is the same route as
    /// before when it goes to the same pod, or is the same revision route at zero.
    /// </summary>
    public static RevisionPodRoutes Plan(PortForwardRoute revision, IEnumerable<V1Pod> pods, IReadOnlyList<PortForwardRoute> current)
    {
        ArgumentNullException.ThrowIfNull(revision);
        ArgumentNullException.ThrowIfNull(current);
        if (Spreadable([revision]) is null)
        {
            throw new ArgumentException($"Route {revision.Key} is not a Knative revision's route from outside the cluster.", nameof(revision));
        }

        var ready = WorkerRoutes.ReadyPods(pods);
        IReadOnlyList<PortForwardRoute> routes = ready.Count == 0
            ? [revision]
            : ready.Select(pod => revision with { Replica = pod, Pod = pod, AtZero = null }).ToArray();

        // A pod's route is named by its pod, the activator's by the revision: matching by replica is matching by pod.
        var (added, removed) = PodRoutePlan.Changes(routes, current);
        return new RevisionPodRoutes(routes, added, removed);
    }

    /// <summary>The same plan as a refresh reads any workload's (<see cref="PodRoutePlan"/>).</summary>
    public PodRoutePlan ToPlan() => new(Routes, Added, Removed, AtZero ? 0 : Routes.Count);

    /// <summary>What changed, for the log: "+pod-a, -pod-b", with the activator named when it comes or goes.</summary>
    public string Describe() => ToPlan().Describe();
}

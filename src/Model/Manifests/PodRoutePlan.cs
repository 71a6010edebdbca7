using Hoist.Configuration;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// The routes a caller should hold after a look at a workload's pods, and what changed against the ones it holds:
/// <see cref="Added"/> start taking calls, <see cref="Removed"/> drain. A route is the same route as before when it
/// names the same replica (its pod, or a Knative revision's own route at zero). Planned by
/// <see cref="RevisionPodRoutes"/> for a Knative revision and by <see cref="StatefulSetKind.ReadyGroups"/> for a set of
/// ordinal blocks. Pure.
/// </summary>
/// <param name="Routes">Every route the caller should hold, in the order its pick reads them.</param>
/// <param name="Added">Routes in <paramref name="Routes"/> the caller does not hold yet.</param>
/// <param name="Removed">Routes the caller holds that are no longer in <paramref name="Routes"/>.</param>
/// <param name="Pods">The pods the calls go to (0 while a Knative revision is at zero and they go to its activator).</param>
internal sealed record PodRoutePlan(IReadOnlyList<WorkerRoute> Routes, IReadOnlyList<WorkerRoute> Added, IReadOnlyList<WorkerRoute> Removed, int Pods)
{
    /// <summary>Whether the caller's routes must change.</summary>
    public bool Changed => Added.Count > 0 || Removed.Count > 0;

    /// <summary><paramref name="routes"/> against <paramref name="current"/>, matched by replica.</summary>
    public static PodRoutePlan Between(IReadOnlyList<WorkerRoute> routes, IReadOnlyList<WorkerRoute> current, int pods)
    {
        var (added, removed) = Changes(routes, current);
        return new PodRoutePlan(routes, added, removed, pods);
    }

    /// <summary>The routes of <paramref name="routes"/> that <paramref name="current"/> lacks, and those of <paramref name="current"/> it no longer has, matched by replica.</summary>
    public static (T[] Added, T[] Removed) Changes<T>(IReadOnlyList<T> routes, IReadOnlyList<T> current)
        where T : WorkerRoute
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(current);
        var held = current.Select(r => r.Replica).ToHashSet(StringComparer.Ordinal);
        var next = routes.Select(r => r.Replica).ToHashSet(StringComparer.Ordinal);
        return (routes.Where(r => !held.Contains(r.Replica)).ToArray(), current.Where(r => !next.Contains(r.Replica)).ToArray());
    }

    /// <summary>The pod a route goes to, for what must be prepared before it takes calls; null for a Knative revision's route at zero.</summary>
    public static string? PodOf(WorkerRoute route) => route is PortForwardRoute forward ? forward.Pod : route.Replica;

    /// <summary>What changed, for the log: "+pod-a, -pod-b", with Knative's activator named when it comes or goes.</summary>
    public string Describe() => string.Join(", ", Added.Select(r => "+" + Name(r)).Concat(Removed.Select(r => "-" + Name(r))));

    private static string Name(WorkerRoute route) => PodOf(route) ?? $"Knative's activator (no ready pod of {(route as PortForwardRoute)?.Revision})";
}

/// <summary>
/// Which pods a <c>PodRouteRefresh</c> (src/Runtime/Backends/Kubernetes) lists, what its log calls them, and how it plans
/// routes from them. Pure.
/// </summary>
internal sealed record PodRouteSource(string Namespace, string PodSelector, string Subject, Func<IReadOnlyList<V1Pod>, IReadOnlyList<WorkerRoute>, PodRoutePlan> Plan)
{
    /// <summary>A Knative revision from outside the cluster (<see cref="RevisionPodRoutes"/>).</summary>
    public static PodRouteSource Revision(PortForwardRoute revision) => new(
        revision.Namespace,
        revision.PodSelector!,
        $"revision {revision.Revision}",
        (pods, current) => RevisionPodRoutes.Plan(revision, pods, current.Cast<PortForwardRoute>().ToArray()).ToPlan());

    /// <summary>A set of ordinal blocks, whose whole ready groups take calls (<see cref="StatefulSetKind.ReadyGroups"/>).</summary>
    public static PodRouteSource Groups(ServiceLayout layout, bool clusterDns, KubernetesBackendOptions options)
    {
        var settings = RouteSettings.From(options);
        return new(layout.Namespace, layout.PodSelector, $"StatefulSet {layout.WorkloadName}", (pods, current) => StatefulSetKind.ReadyGroups(layout, pods, current, clusterDns, settings));
    }

    /// <summary>The source that keeps <paramref name="routes"/>, just planned for <paramref name="layout"/>, current; null for routes nothing else scales pod by pod.</summary>
    public static PodRouteSource? For(ServiceLayout layout, IReadOnlyList<WorkerRoute> routes, bool clusterDns, KubernetesBackendOptions options) =>
        RevisionPodRoutes.Spreadable(routes) is { } revision ? Revision(revision)
        : layout.GroupsScaleOut ? Groups(layout, clusterDns, options)
        : null;
}

using Hoist.Backends.Kubernetes;
using Hoist.Configuration;
using Hoist.Hosting;
using Hoist.Manifests;
using Hoist.Transport;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// A Knative revision called from outside the cluster: a route per ready pod, planned from the revision's pods as
/// recorded while its autoscaler moves (one pod serving, one whose queue-proxy is not ready yet, one being scaled down),
/// and what changes as pods come, go, and the revision reaches zero.
/// </summary>
public sealed class RevisionPodRoutesTests
{
    private const string Serving = "embed-00002-deployment-6d5f7c9b8-x2kqp";
    private const string Starting = "embed-00002-deployment-6d5f7c9b8-7mwzt";
    private const string Leaving = "embed-00002-deployment-6d5f7c9b8-bq9dn";

    private static readonly KubernetesBackendOptions Settings = new() { Image = "registry.example/myapp:1.0" };
    private static readonly Readiness Ready = new(true, 1, 1, "ready") { Revision = "embed-00002" };

    private static PortForwardRoute Revision() =>
        RevisionPodRoutes.Spreadable(WorkerRoutes.Plan(Layout(Descriptors.Autoscaled()), Ready, clusterDns: false, Settings))!;

    private static ServiceLayout Layout(ServiceDescriptor descriptor) =>
        ServiceLayout.From(descriptor, ManifestRenderer.Render(descriptor, Descriptors.Options));

    /// <summary>The recorded pods, with the starting one's queue-proxy ready as it becomes a moment later.</summary>
    private static IList<V1Pod> AfterScaleUp()
    {
        var pods = Recorded.Read<V1PodList>("knative/revision-pods.yaml").Items;
        var starting = pods.Single(p => p.Metadata.Name == Starting);
        starting.Status.Conditions = [Pods.Condition("Ready", "True")];
        return pods;
    }

    private static IList<V1Pod> AsRecorded() => Recorded.Read<V1PodList>("knative/revision-pods.yaml").Items;

    [Fact]
    public void FirstPlan_IsARouteToEachReadyPod_AtItsQueueProxy_WithTheRevisionsHeaders()
    {
        var plan = RevisionPodRoutes.Plan(Revision(), AsRecorded(), []);

        var route = Assert.Single(plan.Routes);
        Assert.Equal((Serving, Serving, "ml", 8013), (route.Pod, route.Replica, route.Namespace, route.Port));
        Assert.Equal("embed-00002", route.Headers[WorkerRoutes.KnativeRevisionHeader]);
        Assert.Equal("ml", route.Headers[WorkerRoutes.KnativeNamespaceHeader]);
        Assert.Equal(("embed", "embed-00002"), (route.KnativeService, route.Revision));
        Assert.Null(route.AtZero); // a route to a named pod never goes elsewhere: the refresh moves calls instead
        Assert.Equal(plan.Routes, plan.Added);
        Assert.Empty(plan.Removed);
        Assert.False(plan.AtZero);
    }

    [Fact]
    public void APodThatBecomesReady_IsAdded_AndThePodsAlreadyRoutedAreKept()
    {
        var before = RevisionPodRoutes.Plan(Revision(), AsRecorded(), []).Routes;

        var plan = RevisionPodRoutes.Plan(Revision(), AfterScaleUp(), before);

        Assert.Equal([Starting, Serving], plan.Routes.Select(r => r.Pod));
        Assert.Equal([Starting], plan.Added.Select(r => r.Pod));
        Assert.Empty(plan.Removed);
        Assert.Equal($"+{Starting}", plan.Describe());
    }

    [Fact]
    public void APodThatIsNoLongerReady_IsRemoved_AndOneBeingDeletedIsNeverRouted()
    {
        var before = RevisionPodRoutes.Plan(Revision(), AfterScaleUp(), []).Routes;

        var plan = RevisionPodRoutes.Plan(Revision(), AsRecorded(), before);

        Assert.DoesNotContain(Leaving, before.Select(r => r.Pod));
        Assert.Equal([Serving], plan.Routes.Select(r => r.Pod));
        Assert.Empty(plan.Added);
        Assert.Equal([Starting], plan.Removed.Select(r => r.Pod));
    }

    [Fact]
    public void TheSamePods_ChangeNothing()
    {
        var before = RevisionPodRoutes.Plan(Revision(), AfterScaleUp(), []).Routes;

        Assert.False(RevisionPodRoutes.Plan(Revision(), AfterScaleUp(), before).Changed);
    }

    [Fact]
    public void AtZero_TheRevisionsOwnRouteTakesOver_WhoseConnectionsGoToTheActivator_AndGivesWayToTheFirstReadyPod()
    {
        var serving = RevisionPodRoutes.Plan(Revision(), AsRecorded(), []).Routes;

        var atZero = RevisionPodRoutes.Plan(Revision(), AsRecorded().Where(p => p.Metadata.Name != Serving), serving);

        Assert.True(atZero.AtZero);
        var revision = Assert.Single(atZero.Routes);
        Assert.Equal(("serving.knative.dev/revision=embed-00002", "app=activator"), (revision.PodSelector, revision.AtZero!.PodSelector));
        Assert.Equal([Serving], atZero.Removed.Select(r => r.Pod));
        Assert.Contains("Knative's activator", atZero.Describe());

        var woken = RevisionPodRoutes.Plan(Revision(), AsRecorded(), atZero.Routes);

        Assert.Equal([Serving], woken.Added.Select(r => r.Pod));
        Assert.Equal([null], woken.Removed.Select(r => r.Pod));
    }

    [Fact]
    public void APodsRoute_IsStale_OnceItsRevisionIsNoLongerTheLatestReady()
    {
        var route = RevisionPodRoutes.Plan(Revision(), AsRecorded(), []).Routes.Single();

        Assert.False(route.IsStale(Ready));
        Assert.True(route.IsStale(Ready with { Revision = "embed-00003" }));
    }

    [Fact]
    public void OnlyAKnativeRevisionFromOutside_IsSpread()
    {
        Assert.NotNull(Revision());
        Assert.Null(RevisionPodRoutes.Spreadable(WorkerRoutes.Plan(Layout(Descriptors.Autoscaled()), Ready, clusterDns: true, Settings)));
        Assert.Null(RevisionPodRoutes.Spreadable(WorkerRoutes.Plan(Layout(Descriptors.Plain()), Ready, clusterDns: false, Settings)));
        Assert.Null(RevisionPodRoutes.Spreadable(WorkerRoutes.Plan(Layout(Descriptors.Distributed(2)), Ready, clusterDns: false, Settings)));
        Assert.Throws<ArgumentException>(() => RevisionPodRoutes.Plan(new PortForwardRoute(0, "probe", "ml", null, "app=probe", 50051), AsRecorded(), []));
    }

    [Fact]
    public void ApplyingAPlan_KeepsTheEndpointsOfPodsStillReady_DrainsTheLeaving_AndMakesOnesForTheNew()
    {
        var first = RevisionPodRoutes.Plan(Revision(), AfterScaleUp(), []).Routes;
        using var starting = Endpoint(first[0]);
        using var serving = Endpoint(first[1]);
        var created = new List<WorkerEndpoint>();

        var (next, leaving) = PodRouteRefresh.Apply(RevisionPodRoutes.Plan(Revision(), AsRecorded(), first).ToPlan(), [(first[0], starting), (first[1], serving)], Create);

        Assert.Same(serving, Assert.Single(next).Endpoint); // its connection and its calls in flight go on
        Assert.Same(starting, Assert.Single(leaving));
        Assert.True(starting.IsDraining); // a call it refuses now goes to another pod
        Assert.False(serving.IsDraining);
        Assert.Empty(created);

        var (atZero, gone) = PodRouteRefresh.Apply(RevisionPodRoutes.Plan(Revision(), [], next.Select(n => (PortForwardRoute)n.Route).ToArray()).ToPlan(), next, Create);

        Assert.Same(serving, Assert.Single(gone));
        Assert.Same(Assert.Single(created), Assert.Single(atZero).Endpoint);
        Assert.Equal("embed-00002", created[0].Replica);
        foreach (var endpoint in created)
        {
            endpoint.Dispose();
        }

        WorkerEndpoint Create(WorkerRoute route)
        {
            var endpoint = Endpoint(route);
            created.Add(endpoint);
            return endpoint;
        }
    }

    private static WorkerEndpoint Endpoint(WorkerRoute route) => new("embed", route.Replica, route.Rank, WorkerConnector.Authority((PortForwardRoute)route), "token");
}

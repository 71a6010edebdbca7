using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using Hoist.Configuration;
using Hoist.Transport;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// A group service that scales out in a cluster (issue 26): one StatefulSet whose ordinal blocks of Workers pods are
/// the groups. A caller reaches one endpoint per pod, ranked within its block, and picks a whole group per call.
/// </summary>
public sealed class GroupRoutesTests
{
    private static readonly KubernetesBackendOptions Settings = new() { Image = "registry.example/myapp:1.0" };

    // Issue 26's "done when": [Autoscale(Target = 1, MaxScale = 3)] on a 2-rank pytorch group.
    private static readonly ServiceDescriptor Groups = Descriptors.Distributed(workers: 2) with { Autoscale = new AutoscaleSpec { Target = 1, MaxScale = 3 } };

    private static ServiceLayout Layout(ServiceDescriptor descriptor) =>
        ServiceLayout.From(descriptor, ManifestRenderer.Render(descriptor, Descriptors.Options));

    [Fact]
    public void EveryPodOfTheLiveReplicas_IsAnEndpoint_RankedWithinItsBlock()
    {
        // The controller set three groups: six pods, whatever the rendered set started with.
        var routes = WorkerRoutes.Plan(Layout(Groups), new Readiness(true, 6, 6, "ready"), clusterDns: true, Settings).Cast<DnsRoute>().ToArray();

        Assert.Equal([0, 1, 0, 1, 0, 1], routes.Select(r => r.Rank));
        Assert.Equal(["train-0", "train-1", "train-2", "train-3", "train-4", "train-5"], routes.Select(r => r.Replica));
        Assert.Equal("http://train-4.train-headless.ml.svc.cluster.local:50051/", routes[4].Address.ToString());
    }

    [Fact]
    public void AGroupHeldAtOne_KeepsRankEqualsOrdinal()
    {
        var one = Groups with { Autoscale = Groups.Autoscale! with { MaxScale = 1 } };

        var routes = WorkerRoutes.Plan(Layout(one), new Readiness(true, 2, 2, "ready"), clusterDns: false, Settings);

        Assert.Equal([0, 1], routes.Select(r => r.Rank));
        Assert.False(Layout(one).GroupsScaleOut);
    }

    [Fact]
    public void TheClient_PicksAWholeGroup_AndSpreadsCallsOverTheGroups()
    {
        var routes = WorkerRoutes.Plan(Layout(Groups), new Readiness(true, 6, 6, "ready"), clusterDns: true, Settings).Cast<DnsRoute>().ToArray();
        var endpoints = routes.Select(r => new WorkerEndpoint(Groups.Name, r.Replica, r.Rank, r.Address, "token")).ToArray();
        try
        {
            var deployment = new KubernetesDeployment(Groups, endpoints);

            Assert.Equal(3, deployment.Groups.Count);
            Assert.All(deployment.Groups, group => Assert.Equal([0, 1], group.Select(e => e.Rank)));

            // Three calls in a row with nothing in flight go to three different groups (ties round robin).
            var picked = Enumerable.Range(0, 3).Select(_ => deployment.PickGroup()[0].Replica).ToArray();
            Assert.Equal(3, picked.Distinct().Count());
        }
        finally
        {
            foreach (var endpoint in endpoints)
            {
                endpoint.Dispose();
            }
        }
    }

    [Fact]
    public void TheRefresh_RoutesWholeReadyGroupsOnly_AsTheControllerAddsAndRemovesThem()
    {
        var layout = Layout(Groups);
        var settings = new KubernetesBackendOptions { Image = Settings.Image };
        var source = PodRouteSource.Groups(layout, clusterDns: true, settings);
        IReadOnlyList<WorkerRoute> held = WorkerRoutes.Plan(layout, new Readiness(true, 2, 2, "ready"), clusterDns: true, settings);

        // The controller added two groups: train-2 and train-3 are ready, train-4 is, train-5 still starts.
        var grown = source.Plan([Ready("train-0"), Ready("train-1"), Ready("train-2"), Ready("train-3"), Ready("train-4"), Pods.Pod("train-5")], held);

        Assert.Equal(["train-0", "train-1", "train-2", "train-3"], grown.Routes.Select(r => r.Replica));
        Assert.Equal([0, 1, 0, 1], grown.Routes.Select(r => r.Rank));
        Assert.Equal(["train-2", "train-3"], grown.Added.Select(r => r.Replica));
        Assert.Empty(grown.Removed);
        Assert.Equal("+train-2, +train-3", grown.Describe());

        // The last group comes ready: its pods join; then the controller takes the first group away.
        var whole = source.Plan([Ready("train-0"), Ready("train-1"), Ready("train-2"), Ready("train-3"), Ready("train-4"), Ready("train-5")], grown.Routes);
        Assert.Equal(["train-4", "train-5"], whole.Added.Select(r => r.Replica));
        var shrunk = source.Plan([Ready("train-2"), Ready("train-3"), Ready("train-4"), Ready("train-5")], whole.Routes);
        Assert.Equal(["train-0", "train-1"], shrunk.Removed.Select(r => r.Replica));
        Assert.Equal(4, shrunk.Pods);

        // No whole group ready (a rank of each restarts): the routes stay as they are rather than none.
        var none = source.Plan([Ready("train-2"), Ready("train-5")], shrunk.Routes);
        Assert.False(none.Changed);
        Assert.Same(shrunk.Routes, none.Routes);
    }

    [Fact]
    public void OnlyASetOfOrdinalBlocks_OrAKnativeRevisionFromOutside_IsRefreshedPodByPod()
    {
        var one = Groups with { Autoscale = Groups.Autoscale! with { MaxScale = 1 } };

        Assert.NotNull(PodRouteSource.For(Layout(Groups), [], clusterDns: true, Settings));
        Assert.Null(PodRouteSource.For(Layout(one), WorkerRoutes.Plan(Layout(one), new Readiness(true, 2, 2, "ready"), clusterDns: true, Settings), clusterDns: true, Settings));
        Assert.Null(PodRouteSource.For(Layout(Descriptors.Plain()), WorkerRoutes.Plan(Layout(Descriptors.Plain()), new Readiness(true, 1, 1, "ready"), clusterDns: true, Settings), clusterDns: true, Settings));
    }

    private static k8s.Models.V1Pod Ready(string name) =>
        Pods.Pod(name, "Running", Pods.Running(ready: true), conditions: new k8s.Models.V1PodCondition { Type = "Ready", Status = "True" });
}

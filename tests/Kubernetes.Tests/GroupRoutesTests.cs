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
}

using Hoist.Backends.Kubernetes;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Kubernetes.Tests;

public sealed class WorkerRoutesTests
{
    private static readonly KubernetesBackendOptions Settings = new() { Image = "registry.example/myapp:1.0" };
    private static readonly Readiness Ready = new(true, 1, 1, "ready");

    private static ServiceLayout Layout(ServiceDescriptor descriptor) =>
        ServiceLayout.From(descriptor, ManifestRenderer.Render(descriptor, Descriptors.Options));

    [Fact]
    public void PlainService_InTheCluster_IsItsServiceDnsName()
    {
        var route = Assert.IsType<DnsRoute>(Assert.Single(WorkerRoutes.Plan(Layout(Descriptors.Plain()), Ready, clusterDns: true, Settings)));

        Assert.Equal(new Uri("http://probe.ml.svc.cluster.local:50051"), route.Address);
        Assert.Equal((0, "probe"), (route.Rank, route.Replica));
    }

    [Fact]
    public void PlainService_FromOutside_IsAPortForwardToAnyReadyPod()
    {
        var route = Assert.IsType<PortForwardRoute>(Assert.Single(WorkerRoutes.Plan(Layout(Descriptors.Plain()), Ready, clusterDns: false, Settings)));

        Assert.Null(route.Pod);
        Assert.Equal("app.kubernetes.io/instance=myapp-probe,app.kubernetes.io/name=probe", route.PodSelector);
        Assert.Equal(("ml", 50051), (route.Namespace, route.Port));
        Assert.Empty(route.Headers);
    }

    [Fact]
    public void DistributedService_IsOneEndpointPerRank_InOrdinalOrder_AtTheRanksStableNames()
    {
        var layout = Layout(Descriptors.Distributed(4));

        var inside = WorkerRoutes.Plan(layout, Ready, clusterDns: true, Settings).Cast<DnsRoute>().ToArray();
        var outside = WorkerRoutes.Plan(layout, Ready, clusterDns: false, Settings).Cast<PortForwardRoute>().ToArray();

        Assert.Equal([0, 1, 2, 3], inside.Select(r => r.Rank));
        Assert.Equal("http://train-0.train-headless.ml.svc.cluster.local:50051/", inside[0].Address.ToString());
        Assert.Equal("http://train-3.train-headless.ml.svc.cluster.local:50051/", inside[3].Address.ToString());
        Assert.Equal(["train-0", "train-1", "train-2", "train-3"], outside.Select(r => r.Pod));
        Assert.Equal([0, 1, 2, 3], outside.Select(r => r.Rank));
        Assert.Equal(4, outside.Select(r => r.Key).Distinct().Count());
    }

    [Fact]
    public void DistributedService_RankZerosAddress_IsMasterAddr()
    {
        var descriptor = Descriptors.Distributed(2);
        var objects = ManifestRenderer.Render(descriptor, Descriptors.Options);
        var masterAddr = objects.OfType<k8s.Models.V1StatefulSet>().Single().Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == "MASTER_ADDR").Value;

        var rank0 = (DnsRoute)WorkerRoutes.Plan(ServiceLayout.From(descriptor, objects), Ready, clusterDns: true, Settings)[0];

        Assert.Equal(masterAddr, rank0.Address.Host);
    }

    [Fact]
    public void KnativeService_InTheCluster_IsItsRouteOnPort80()
    {
        var route = Assert.IsType<DnsRoute>(Assert.Single(WorkerRoutes.Plan(Layout(Descriptors.Autoscaled()), Ready with { Revision = "embed-00002" }, clusterDns: true, Settings)));

        Assert.Equal("http://embed.ml.svc.cluster.local/", route.Address.ToString());
    }

    [Fact]
    public void KnativeService_FromOutside_IsTheRevisionsQueueProxy_InItsOwnNamespace_AndTheActivatorOnlyAtZero()
    {
        var route = Assert.IsType<PortForwardRoute>(Assert.Single(WorkerRoutes.Plan(Layout(Descriptors.Autoscaled()), Ready with { Revision = "embed-00002" }, clusterDns: false, Settings)));

        Assert.Equal(("ml", "serving.knative.dev/revision=embed-00002", 8013), (route.Namespace, route.PodSelector, route.Port));
        Assert.Equal("embed-00002", route.Headers[WorkerRoutes.KnativeRevisionHeader]);
        Assert.Equal("ml", route.Headers[WorkerRoutes.KnativeNamespaceHeader]);
        var atZero = Assert.IsType<PortForwardRoute>(route.AtZero);
        Assert.Equal(("knative-serving", "app=activator", WorkerRoutes.KnativeActivatorPort), (atZero.Namespace, atZero.PodSelector, atZero.Port));
    }

    [Fact]
    public void AKnativeRoute_IsStale_OnceAnotherDeployMadeANewerRevisionTheLatestReady()
    {
        var route = (PortForwardRoute)WorkerRoutes.Plan(Layout(Descriptors.Autoscaled()), Ready with { Revision = "embed-00002" }, clusterDns: false, Settings).Single();

        Assert.Equal("embed", route.KnativeService);
        Assert.False(route.IsStale(Ready with { Revision = "embed-00002" }));
        Assert.True(route.IsStale(Ready with { Revision = "embed-00003" }));
        Assert.False(route.IsStale(null)); // gone altogether: the next call's deploy says so
        Assert.False(new PortForwardRoute(0, "probe", "ml", null, "app=probe", 50051).IsStale(Ready with { Revision = "x" }));
    }

    [Fact]
    public void ARevisionsPods_OnlyAReadyOneThatIsNotLeaving_TakesAConnection()
    {
        var pods = Recorded.Read<V1PodList>("knative/revision-pods.yaml").Items;

        Assert.Equal("embed-00002-deployment-6d5f7c9b8-x2kqp", WorkerConnector.Choose(pods, turn: 1));
        Assert.Equal("embed-00002-deployment-6d5f7c9b8-x2kqp", WorkerConnector.Choose(pods, turn: 2));
        Assert.Null(WorkerConnector.Choose(pods.Skip(1), turn: 1)); // at zero for new connections: the activator
    }

    [Fact]
    public void ReadyPods_AreTakenInTurn()
    {
        var pods = new[] { "b", "a", "c" }.Select(name => Pods.Pod(name, "Running", Pods.Running(true), conditions: new V1PodCondition { Type = "Ready", Status = "True" })).ToArray();

        Assert.Equal(["b", "c", "a", "b"], new[] { 1, 2, 3, 4 }.Select(turn => WorkerConnector.Choose(pods, turn)));
    }

    [Fact]
    public void RayService_FromOutside_IsThePortForwardToTheHead()
    {
        var route = Assert.IsType<PortForwardRoute>(Assert.Single(WorkerRoutes.Plan(Layout(Descriptors.Ray()), Ready, clusterDns: false, Settings)));

        Assert.EndsWith(",ray.io/node-type=head", route.PodSelector);
    }

    [Theory]
    [InlineData("auto", true, true)]
    [InlineData("auto", false, false)]
    [InlineData("Port-Forward", true, false)]
    [InlineData("cluster-dns", false, true)]
    public void ConnectMode_AutoFollowsWhereTheProcessRuns(string mode, bool inCluster, bool expected) =>
        Assert.Equal(expected, WorkerRoutes.UseClusterDns(mode, inCluster));

    [Fact]
    public void ReadyPods_AreRunningReadyAndNotBeingDeleted()
    {
        var ready = Pods.Pod("b", "Running", Pods.Running(true), conditions: Pods.Condition("Ready", "True"));
        var alsoReady = Pods.Pod("a", "Running", Pods.Running(true), conditions: Pods.Condition("Ready", "True"));
        var notReady = Pods.Pod("c", "Running", Pods.Running(false), conditions: Pods.Condition("Ready", "False"));
        var leaving = Pods.Pod("d", "Running", Pods.Running(true), conditions: Pods.Condition("Ready", "True"));
        leaving.Metadata.DeletionTimestamp = DateTime.UtcNow;

        Assert.Equal(["a", "b"], WorkerRoutes.ReadyPods([ready, notReady, leaving, alsoReady]));
    }
}

using System.Text.Json;
using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

/// <summary>The registry of workload kinds: every kind is in it, and the renderer, layout, teardown and controller agree with it.</summary>
public sealed class WorkloadKindsTests
{
    [Fact]
    public void EveryKindIsRegistered_Once_EachWithItsOwnResource()
    {
        Assert.Equal(
            new WorkloadKind[] { WorkloadKinds.Deployment, WorkloadKinds.StatefulSet, WorkloadKinds.Knative, WorkloadKinds.Ray },
            WorkloadKinds.All);
        Assert.Equal(WorkloadKinds.All.Count, WorkloadKinds.All.Select(k => k.Resource).Distinct().Count());
        Assert.All(WorkloadKinds.All, kind => Assert.Same(kind, WorkloadKinds.Of(kind.Resource)));
        Assert.Null(WorkloadKinds.Of(ResourceKind.Service));
    }

    [Theory]
    [MemberData(nameof(Descriptors.AllKinds), MemberType = typeof(Descriptors))]
    public void EachServiceRunsAsExactlyOneKind_WhichRendersItsWorkload_AndLaysItOut(ServiceDescriptor descriptor)
    {
        var kind = WorkloadKinds.For(descriptor);
        var objects = ManifestRenderer.Render(descriptor, Descriptors.Options);

        Assert.Single(WorkloadKinds.All, k => k.Runs(descriptor));
        var workload = Assert.Single(objects, o => WorkloadKinds.Of(o) is not null);
        Assert.Same(kind, WorkloadKinds.Of(workload));
        Assert.Same(kind, ServiceLayout.From(descriptor, objects).WorkloadKind);
        Assert.Equal(kind.Resource, ResourceKind.Of(workload));
        Assert.Equal($"{kind.Resource.Group}/{kind.Resource.Version}".TrimStart('/'), workload.ApiVersion);
        Assert.Equal(kind.Resource.Kind, workload.Kind);
    }

    [Theory]
    [MemberData(nameof(Descriptors.AllKinds), MemberType = typeof(Descriptors))]
    public void EachKindReadsItsRenderedWorkload_AsTheApiWouldReturnIt(ServiceDescriptor descriptor)
    {
        var kind = WorkloadKinds.For(descriptor);
        var workload = ManifestRenderer.Render(descriptor, Descriptors.Options).Single(o => WorkloadKinds.Of(o) is not null);
        var json = JsonDocument.Parse(KubernetesJson.Serialize(workload)).RootElement.Clone();

        // Not yet reconciled: no kind calls a workload without status ready, and each counts its ranks alike.
        Assert.False(kind.ReadinessOf(json).IsReady);
        Assert.Equal(kind.Ranks(workload), kind.Ranks(json));
        Assert.Equal(kind.Scaled(workload) is null, kind.Scaled(json) is null);
        Assert.Equal(ServiceLayout.From(descriptor, [workload]).Service, kind.StatusRow(json, live: null).Service);
        Assert.NotEmpty(kind.TokenTemplates(workload));
    }

    [Fact]
    public void TeardownAndPruning_CoverEveryKindsWorkloadAndCompanions()
    {
        foreach (var kind in WorkloadKinds.All)
        {
            Assert.Contains(kind.Resource, ResourceKind.ServiceObjects);
            Assert.All(kind.Companions, companion => Assert.Contains(companion, ResourceKind.ServiceObjects));
        }

        // Owners first: every workload before the Services that pointed at it.
        Assert.Equal(ResourceKind.ServiceObjects.Count - 1, ResourceKind.ServiceObjects.ToList().IndexOf(ResourceKind.Service));
    }

    [Fact]
    public void TheControllersRole_GrantsListAndScaleOnEveryKindItScales_AndNoOther()
    {
        var scaled = WorkloadKinds.All.Where(k => k.ControllerScales).ToArray();

        Assert.Equal([WorkloadKinds.Deployment, WorkloadKinds.StatefulSet], scaled);
        foreach (var kind in WorkloadKinds.All)
        {
            var (group, plural) = (kind.Resource.Group, kind.Resource.Plural);
            Assert.Equal(kind.ControllerScales, ControllerManifests.Rights.Any(r => r.ApiGroup == group && r.Resource == plural && r.Verbs.Contains("list")));
            Assert.Equal(kind.ControllerScales, ControllerManifests.Rights.Any(r => r.ApiGroup == group && r.Resource == plural + "/scale" && r.Verbs.Contains("patch")));
        }
    }

    [Fact]
    public void OnlyARayCluster_RunsItsWorkerOnTheHeadAlone_AndGetsSecretsOnEveryPod()
    {
        var ray = ManifestRenderer.Render(Descriptors.Ray(), Descriptors.Options).OfType<RayCluster>().Single();

        Assert.Single(WorkloadKinds.Ray.TokenTemplates(ray));
        Assert.Equal(1 + ray.Spec.WorkerGroupSpecs.Count, WorkloadKinds.Ray.SecretTemplates(ray).Count());
        Assert.Empty(WorkloadKinds.Deployment.TokenTemplates(ray));
    }

    [Fact]
    public void AGroupRestartsItsPods_OnlyWhenAnApplyChangedTheSpecOfRunningRanks()
    {
        static JsonElement Set(long generation, int replicas) =>
            JsonDocument.Parse($$$"""{"metadata":{"generation":{{{generation}}}},"spec":{"replicas":{{{replicas}}}}}""").RootElement.Clone();

        Assert.True(WorkloadKinds.StatefulSet.RestartsPods(Set(1, 4), Set(2, 4)));
        Assert.False(WorkloadKinds.StatefulSet.RestartsPods(Set(2, 4), Set(2, 4)));   // same spec: nothing to roll
        Assert.False(WorkloadKinds.StatefulSet.RestartsPods(Set(1, 0), Set(2, 0)));   // at zero: the next start takes the spec
        Assert.False(WorkloadKinds.StatefulSet.RestartsPods(null, Set(1, 4)));        // new

        // Groups that scale out: an apply that sets 3 groups back to 2 changes the replicas only; the blocks that stay keep running.
        static JsonElement Templated(long generation, int replicas, string image) =>
            JsonDocument.Parse($$$$$"""{"metadata":{"generation":{{{{{generation}}}}}},"spec":{"replicas":{{{{{replicas}}}}},"template":{"spec":{"containers":[{"name":"worker","image":"{{{{{image}}}}}"}]}}}}""").RootElement.Clone();
        Assert.False(WorkloadKinds.StatefulSet.RestartsPods(Templated(3, 6, "app:1"), Templated(4, 4, "app:1")));
        Assert.True(WorkloadKinds.StatefulSet.RestartsPods(Templated(3, 6, "app:1"), Templated(4, 4, "app:2")));
        Assert.False(WorkloadKinds.Deployment.MayRestartPodsOnApply);
        Assert.False(WorkloadKinds.Knative.MayRestartPodsOnApply);
    }
}

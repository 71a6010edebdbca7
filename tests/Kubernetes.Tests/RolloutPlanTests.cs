using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

/// <summary>What a rollout does about what is already on the cluster, decided over rendered and recorded live objects.</summary>
public sealed class RolloutPlanTests
{
    [Fact]
    public void PlainToAutoscaled_DeletesTheOldServiceAndDeployment_WhichWouldBlockKnativesRoute()
    {
        var (layout, rendered) = Render(Descriptors.Plain() with { Autoscale = new AutoscaleSpec() });
        var earlier = Live(Render(Descriptors.Plain()).Objects);

        var stale = RolloutPlan.Stale(layout, rendered, earlier);

        Assert.Equal(["Deployment/probe", "Service/probe"], stale.Select(o => $"{o.Kind.Kind}/{o.Metadata.Name}").Order(StringComparer.Ordinal));
        Assert.Null(RolloutPlan.Conflict(layout, rendered, earlier));
    }

    [Fact]
    public void DistributedToPlain_DeletesTheStatefulSetAndItsHeadlessService_KeepsWhatIsRenderedAgain()
    {
        var (layout, rendered) = Render(Descriptors.Plain("train"));
        var earlier = Live(Render(Descriptors.Distributed()).Objects);

        var stale = RolloutPlan.Stale(layout, rendered, earlier).Select(o => o.Kind.Kind).Order(StringComparer.Ordinal).ToArray();

        Assert.Contains("StatefulSet", stale);
        Assert.DoesNotContain(RolloutPlan.Stale(layout, rendered, earlier), o => rendered.Any(r => r.Metadata.Name == o.Metadata.Name && ResourceKind.Of(r) == o.Kind));
    }

    [Fact]
    public void TheSameRendering_LeavesNothingStale()
    {
        foreach (var descriptor in new[] { Descriptors.Plain(), Descriptors.Autoscaled(), Descriptors.Distributed(), Descriptors.Ray() })
        {
            var (layout, rendered) = Render(descriptor);
            Assert.Empty(RolloutPlan.Stale(layout, rendered, Live(rendered)));
        }
    }

    [Fact]
    public void ObjectsAControllerMade_AreLeftToIt()
    {
        var (layout, rendered) = Render(Descriptors.Autoscaled());
        var knativesOwn = new LiveObject(ResourceKind.Service, new V1ObjectMeta
        {
            Name = "embed-00001",
            Labels = rendered[0].Metadata.Labels,
            OwnerReferences = [new V1OwnerReference { Kind = "Revision", Name = "embed-00001", ApiVersion = "serving.knative.dev/v1", Uid = "u" }],
        });

        Assert.Empty(RolloutPlan.Stale(layout, rendered, [knativesOwn]));
    }

    [Fact]
    public void AnotherAppsServiceOfTheSameName_IsRefused_NotTakenOver()
    {
        var (layout, rendered) = Render(Descriptors.Plain());
        var otherApp = Live(ManifestRenderer.Render(Descriptors.Plain(), Descriptors.Options with { AppName = "Shop" }));

        var conflict = RolloutPlan.Conflict(layout, rendered, otherApp);

        Assert.NotNull(conflict);
        Assert.Contains("belongs to Shop (app.kubernetes.io/instance=shop-probe)", conflict, StringComparison.Ordinal);
        Assert.Contains("[Compute(Name)]", conflict, StringComparison.Ordinal);
        Assert.Empty(RolloutPlan.Stale(layout, rendered, otherApp));
    }

    [Theory]
    [InlineData(3L, 4L, 4, true)]
    [InlineData(3L, 3L, 4, false)]
    [InlineData(null, 1L, 0, false)]
    [InlineData(3L, 4L, 0, false)]   // the controller had scaled it to zero: the apply that wakes it starts every rank afresh
    public void AGroupWhoseSpecChanged_RestartsEveryRankTogether(long? before, long? after, int replicasBefore, bool restart)
    {
        Assert.Equal(restart, RolloutPlan.RestartsGroup(before, after, replicasBefore));

        var statefulSet = Render(Descriptors.Distributed()).Objects.OfType<V1StatefulSet>().Single();
        Assert.Equal("OnDelete", statefulSet.Spec.UpdateStrategy.Type);
    }

    [Fact]
    public void RayClusterChanged_OnAKubeRayWithoutUpgradeStrategy_HasItsPodsDeleted()
    {
        // KubeRay 1.4's CRD pruned spec.upgradeStrategy from the applied object: its echo has none.
        var old = Echo("ray/echo-kuberay-1.4.json");

        Assert.True(RolloutPlan.RestartsRayPods(generationBefore: 2, old));
        Assert.False(RolloutPlan.RestartsRayPods(generationBefore: 3, old));
        Assert.False(RolloutPlan.RestartsRayPods(generationBefore: null, old));
    }

    [Fact]
    public void RayClusterChanged_OnAKubeRayThatKeptUpgradeStrategy_IsLeftToKubeRay()
    {
        Assert.False(RolloutPlan.RestartsRayPods(generationBefore: 2, Echo("ray/echo-kuberay-1.6.json")));

        var rendered = Render(Descriptors.Distributed() with { Distribution = new DistributionSpec { Type = "ray", Workers = 2 }, Compute = new ComputeSpec { Image = "rayproject/ray:2.9.0" } }).Objects.OfType<RayCluster>().Single();
        Assert.Equal("Recreate", rendered.Spec.UpgradeStrategy!.Type);
    }

    private static System.Text.Json.JsonElement Echo(string relative) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Recorded.Path(relative))).RootElement.Clone();

    private static (ServiceLayout Layout, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects) Render(ServiceDescriptor descriptor)
    {
        var objects = ManifestRenderer.Render(descriptor, Descriptors.Options);
        return (ServiceLayout.From(descriptor, objects), objects);
    }

    private static IReadOnlyList<LiveObject> Live(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects) =>
        objects.Select(o => new LiveObject(ResourceKind.Of(o), o.Metadata)).ToArray();
}

using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

public sealed class LayoutAndSelectorTests
{
    [Fact]
    public void ServiceSelector_NamesServiceInstanceAndManager_InKeyOrder()
    {
        Assert.Equal(
            "app.kubernetes.io/instance=myapp-probe,app.kubernetes.io/managed-by=hoist,app.kubernetes.io/name=probe",
            HoistSelectors.ForService("probe", "myapp-probe"));
        Assert.Equal("app.kubernetes.io/managed-by=hoist", HoistSelectors.Managed);
    }

    [Fact]
    public void ControllersNetworkPolicy_AdmitsTheControllerToTheGroupsItScales_AndLeavesKnativePodsAlone()
    {
        var group = Descriptors.Distributed() with { Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = 60 } };
        var objects = ControllerManifests.For([group, Descriptors.Autoscaled()], Descriptors.Options);
        var policy = Assert.Single(objects.OfType<V1NetworkPolicy>());
        var controllerPod = objects.OfType<V1Deployment>().Single().Spec.Template.Metadata.Labels;
        var groupPod = ManifestRenderer.Render(group, Descriptors.Options).OfType<V1StatefulSet>().Single().Spec.Template.Metadata.Labels;
        var knativePod = ManifestRenderer.Render(Descriptors.Autoscaled(), Descriptors.Options).OfType<KnativeService>().Single().Spec.Template.Metadata.Labels;

        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        Assert.True(Matches(groupPod, policy.Spec.PodSelector.MatchLabels.AsReadOnly()), "the policy does not select the group's pods");
        Assert.Equal([group.Name], Assert.Single(policy.Spec.PodSelector.MatchExpressions).Values);
        Assert.DoesNotContain(knativePod[ManifestLabels.Name], policy.Spec.PodSelector.MatchExpressions.Single().Values);
        var from = Assert.Single(Assert.Single(policy.Spec.Ingress).FromProperty);
        Assert.True(Matches(controllerPod, from.PodSelector.MatchLabels.AsReadOnly()), "the controller's pods are not admitted");
        Assert.True(Matches(groupPod, from.PodSelector.MatchLabels.AsReadOnly()), "the ranks do not reach each other");
        Assert.Contains(ResourceKind.NetworkPolicy, ResourceKind.Teardown);
        Assert.True(Matches(policy.Metadata.Labels, Parse(HoistSelectors.Managed)));
    }

    [Fact]
    public void TeardownAll_TakesTheControllerWithIt_AndAServicesTeardownNever()
    {
        var controller = ControllerManifests.Render(Descriptors.Options, "mcr.microsoft.com/dotnet/aspnet:10.0", ["ml"]);
        var service = ServiceLayout.From(Descriptors.Distributed(), ManifestRenderer.Render(Descriptors.Distributed(), Descriptors.Options));

        Assert.Equal(["ServiceAccount", "Role", "RoleBinding", "Deployment", "Service"], controller.Select(o => o.Kind));
        foreach (var value in controller)
        {
            Assert.Contains(ResourceKind.Of(value), ResourceKind.Teardown);
            Assert.True(Matches(value.Metadata.Labels, Parse(HoistSelectors.Managed)), $"{value.Kind} {value.Metadata.Name} would survive teardown --all");
            Assert.False(Matches(value.Metadata.Labels, Parse(service.TeardownSelector)), $"{value.Kind} {value.Metadata.Name} would go with service {service.Service}");
        }
    }

    [Theory]
    [MemberData(nameof(Descriptors.AllKinds), MemberType = typeof(Descriptors))]
    public void TeardownSelector_MatchesEveryObjectTheRendererMakes_AndTheTokenSecretNot(ServiceDescriptor descriptor)
    {
        var objects = ManifestRenderer.Render(descriptor, Descriptors.Options);
        var layout = ServiceLayout.From(descriptor, objects);
        var required = Parse(layout.TeardownSelector);

        foreach (var value in objects)
        {
            Assert.True(Matches(value.Metadata.Labels, required), $"{value.Kind} {value.Metadata.Name} would survive teardown");
            Assert.Equal(layout.Namespace, value.Metadata.NamespaceProperty);
        }

        // The Secret is shared by the app's services, so a service's teardown leaves it.
        var secret = ManifestRenderer.RenderTokenSecret(Descriptors.Options, "t", layout.Namespace);
        Assert.False(Matches(secret.Metadata.Labels, required));
    }

    [Theory]
    [MemberData(nameof(Descriptors.AllKinds), MemberType = typeof(Descriptors))]
    public void PodSelector_MatchesThePodTemplates(ServiceDescriptor descriptor)
    {
        var objects = ManifestRenderer.Render(descriptor, Descriptors.Options);
        var layout = ServiceLayout.From(descriptor, objects);
        var required = Parse(layout.PodSelector);

        var templates = objects.Select(o => o switch
        {
            V1Deployment d => d.Spec.Template.Metadata.Labels,
            V1StatefulSet s => s.Spec.Template.Metadata.Labels,
            KnativeService k => k.Spec.Template.Metadata.Labels,
            RayCluster r => r.Spec.HeadGroupSpec.Template.Metadata.Labels,
            _ => null,
        }).OfType<IDictionary<string, string>>().ToArray();

        var template = Assert.Single(templates);
        Assert.True(Matches(template, required));
    }

    [Fact]
    public void Layout_OfAPlainService_IsItsDeploymentBehindItsService()
    {
        var layout = ServiceLayout.From(Descriptors.Plain(), ManifestRenderer.Render(Descriptors.Plain(), Descriptors.Options));

        Assert.Same(WorkloadKinds.Deployment, layout.WorkloadKind);
        Assert.Equal(("probe", "probe", "ml", "myapp-probe"), (layout.WorkloadName, layout.ServiceName, layout.Namespace, layout.Instance));
        Assert.Null(layout.HeadlessServiceName);
        Assert.Equal(1, layout.Ranks);
    }

    [Fact]
    public void Layout_OfADistributedService_HasOneRankPerWorker_NamedByOrdinal()
    {
        var layout = ServiceLayout.From(Descriptors.Distributed(4), ManifestRenderer.Render(Descriptors.Distributed(4), Descriptors.Options));

        Assert.Same(WorkloadKinds.StatefulSet, layout.WorkloadKind);
        Assert.Equal(4, layout.Ranks);
        Assert.Equal("train-headless", layout.HeadlessServiceName);
        Assert.Equal("train-3", layout.RankPod(3));
    }

    [Fact]
    public void Layout_OfAnAutoscaledService_IsItsKnativeService()
    {
        var layout = ServiceLayout.From(Descriptors.Autoscaled(), ManifestRenderer.Render(Descriptors.Autoscaled(), Descriptors.Options));

        Assert.Same(WorkloadKinds.Knative, layout.WorkloadKind);
        Assert.Equal("embed", layout.ServiceName);
    }

    [Fact]
    public void Layout_OfARayService_IsItsRayClusterBehindItsHeadService()
    {
        var layout = ServiceLayout.From(Descriptors.Ray(), ManifestRenderer.Render(Descriptors.Ray(), Descriptors.Options));

        Assert.Same(WorkloadKinds.Ray, layout.WorkloadKind);
        Assert.Equal("tune", layout.ServiceName);
    }

    [Fact]
    public void ComputeNamespace_WinsOverTheBackendsNamespace()
    {
        var descriptor = Descriptors.Plain() with { Compute = Descriptors.Plain().Compute with { Namespace = "gpu-team" } };

        var layout = ServiceLayout.From(descriptor, ManifestRenderer.Render(descriptor, Descriptors.Options));

        Assert.Equal("gpu-team", layout.Namespace);
    }

    [Fact]
    public void TheKindsTeardownDeletes_CoverEveryKindTheRendererMakes()
    {
        var rendered = Descriptors.AllKinds().SelectMany(d => ManifestRenderer.Render((ServiceDescriptor)d[0], Descriptors.Options)).Select(ResourceKind.Of).Distinct();

        Assert.All(rendered, kind => Assert.Contains(kind, ResourceKind.ServiceObjects));
        Assert.DoesNotContain(ResourceKind.Secret, ResourceKind.ServiceObjects);
    }

    internal static IReadOnlyDictionary<string, string> Parse(string selector) =>
        selector.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    private static bool Matches(IDictionary<string, string>? labels, IReadOnlyDictionary<string, string> required) =>
        labels is not null && required.All(r => labels.TryGetValue(r.Key, out var v) && v == r.Value);
}

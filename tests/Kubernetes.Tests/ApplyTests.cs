using System.Text;
using System.Text.Json;
using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

public sealed class ApplyTests
{
    [Theory]
    [MemberData(nameof(Descriptors.AllKinds), MemberType = typeof(Descriptors))]
    public void ApplyBody_IsTheRenderedObject_WithKindAndNoNulls(ServiceDescriptor descriptor)
    {
        foreach (var value in ManifestRenderer.Render(descriptor, Descriptors.Options))
        {
            var body = ClusterClient.ApplyBody(value);
            using var json = JsonDocument.Parse(body);

            Assert.Equal(value.ApiVersion, json.RootElement.GetProperty("apiVersion").GetString());
            Assert.Equal(value.Kind, json.RootElement.GetProperty("kind").GetString());
            Assert.Equal(value.Metadata.Name, json.RootElement.GetProperty("metadata").GetProperty("name").GetString());
            Assert.DoesNotContain("null", body.Replace("\"rollingUpdate\":null", "", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void GpuDeployment_Applied_ClearsTheDefaultedRollingUpdate_InTheSameApply()
    {
        // Recorded: a plain service's Deployment as the API server stored it, strategy defaulted to RollingUpdate.
        var live = Recorded.Read<V1Deployment>("adoption/deployment-probe.yaml");
        var gpu = Descriptors.Plain() with { Compute = Descriptors.Plain().Compute with { Gpus = 1 } };
        var rendered = ManifestRenderer.Render(gpu, Descriptors.Options).OfType<V1Deployment>().Single();

        using var body = JsonDocument.Parse(ClusterClient.ApplyBody(rendered));

        var strategy = body.RootElement.GetProperty("spec").GetProperty("strategy");
        Assert.Equal("Recreate", strategy.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, strategy.GetProperty("rollingUpdate").ValueKind);
        Assert.NotNull(live.Spec.Strategy.RollingUpdate);      // what the apply must clear
    }

    [Theory]
    [MemberData(nameof(Descriptors.AllKinds), MemberType = typeof(Descriptors))]
    public void TokenDigest_LandsOnThePodTemplateThatReadsTheToken(ServiceDescriptor descriptor)
    {
        var objects = ManifestRenderer.Render(descriptor, Descriptors.Options);
        var digest = DeployTimeAnnotations.Digest("s3cret");

        foreach (var value in objects)
        {
            DeployTimeAnnotations.Stamp(value, digest, DeployTimeAnnotations.DescriptorDigest(descriptor));
        }

        var template = objects.Select(o => o switch
        {
            V1Deployment d => d.Spec.Template.Metadata,
            V1StatefulSet s => s.Spec.Template.Metadata,
            KnativeService k => k.Spec.Template.Metadata,
            RayCluster r => r.Spec.HeadGroupSpec.Template.Metadata,
            _ => null,
        }).OfType<V1ObjectMeta>().Single();
        Assert.Equal(digest, template.Annotations[DeployTimeAnnotations.TokenDigest]);
        var workload = objects.Single(o => o is V1Deployment or V1StatefulSet or KnativeService or RayCluster);
        Assert.Equal(digest, workload.Metadata.Annotations[DeployTimeAnnotations.TokenDigest]);
        Assert.Equal(DeployTimeAnnotations.DescriptorDigest(descriptor), workload.Metadata.Annotations[DeployTimeAnnotations.SettingsDigest]);
        Assert.Equal(16, digest.Length);
        Assert.DoesNotContain("s3cret", string.Join(",", objects.Select(ClusterClient.ApplyBody)));
        Assert.NotEqual(digest, DeployTimeAnnotations.Digest("other"));
    }

    [Fact]
    public void TokenSecret_HoldsTheTokenAsData_InTheServicesNamespace()
    {
        var secret = DeployTimeAnnotations.TokenSecret(Descriptors.Options, "s3cret", "gpu-team");

        Assert.Equal("myapp-hoist-token", secret.Metadata.Name);
        Assert.Equal("gpu-team", secret.Metadata.NamespaceProperty);
        Assert.Null(secret.StringData);
        Assert.Equal("s3cret", Encoding.UTF8.GetString(secret.Data[ManifestOptions.TokenSecretKey]));
        Assert.Contains("\"data\":{\"token\":\"czNjcmV0\"}", ClusterClient.ApplyBody(secret));
    }

    [Fact]
    public void ActivityStamp_IsALeaseRenewal_WithTheServicesLabels_SoTeardownTakesItToo()
    {
        var lease = InactivityPolicy.ActivityLease("embed", "myapp-embed", "ml", new DateTimeOffset(2025, 6, 1, 14, 0, 0, TimeSpan.FromHours(2)), "hoist/laptop/42");
        using var json = JsonDocument.Parse(ClusterClient.ApplyBody(lease));
        var root = json.RootElement;

        Assert.Equal(("coordination.k8s.io/v1", "Lease"), (root.GetProperty("apiVersion").GetString(), root.GetProperty("kind").GetString()));
        Assert.Equal("myapp-embed-activity", root.GetProperty("metadata").GetProperty("name").GetString());
        Assert.StartsWith("2025-06-01T12:00:00", root.GetProperty("spec").GetProperty("renewTime").GetString(), StringComparison.Ordinal);
        Assert.Equal("hoist/laptop/42", root.GetProperty("spec").GetProperty("holderIdentity").GetString());
        Assert.Equal(ResourceKind.Lease, ResourceKind.Of(lease));
        Assert.Equal(
            HoistSelectors.ForService("embed", "myapp-embed"),
            HoistSelectors.Format(lease.Metadata.Labels.Where(l => l.Key != ManifestLabels.Component)));
        Assert.Contains(ResourceKind.Lease, ResourceKind.Teardown);
        Assert.DoesNotContain(ResourceKind.Lease, ResourceKind.ServiceObjects); // a rollout's pruning leaves it alone
    }

    [Fact]
    public void ResourceKinds_AddressTheRightApiGroups()
    {
        var objects = Descriptors.AllKinds().SelectMany(d => ManifestRenderer.Render((ServiceDescriptor)d[0], Descriptors.Options)).ToArray();

        foreach (var value in objects)
        {
            var kind = ResourceKind.Of(value);
            var expected = kind.Group.Length == 0 ? kind.Version : $"{kind.Group}/{kind.Version}";
            Assert.Equal(expected, value.ApiVersion);
            Assert.Equal(kind.Kind, value.Kind);
        }

        Assert.True(WorkloadKinds.Knative.Resource.IsCustom);
        Assert.False(ResourceKind.Service.IsCustom);
    }
}

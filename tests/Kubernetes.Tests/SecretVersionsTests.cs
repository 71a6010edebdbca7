using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// A rotated secret changes no pod spec, so deploy stamps the versions of the Secrets a service names on its pod
/// templates: a new version is a new template, which rolls the pods. The digests here come from recorded Secrets.
/// </summary>
public sealed class SecretVersionsTests
{
    private static readonly SecretSpec[] Secrets = [new() { Name = "demo", Key = "TOKEN", Variable = "DEMO_TOKEN" }, new() { Name = "wandb" }];

    private static readonly V1Secret First = Recorded.Read<V1Secret>("secrets/demo-first.yaml");
    private static readonly V1Secret Rotated = Recorded.Read<V1Secret>("secrets/demo-rotated.yaml");
    private static readonly V1Secret Wandb = Recorded.Read<V1Secret>("secrets/wandb.yaml");

    private static string? Digest(ServiceDescriptor descriptor, params V1Secret[] secrets) =>
        SecretVersions.Digest(SecretVersions.Names(descriptor), secrets.ToDictionary(s => s.Metadata.Name, V1Secret? (s) => s));

    [Fact]
    public void ARotatedSecret_ChangesTheDigest_AndTheSameVersionsKeepIt()
    {
        var service = Descriptors.Plain() with { Secrets = Secrets };

        var before = Digest(service, First, Wandb);
        var again = Digest(service, Wandb, Recorded.Read<V1Secret>("secrets/demo-first.yaml"));
        var after = Digest(service, Rotated, Wandb);

        Assert.Equal(before, again);
        Assert.NotEqual(before, after);
        Assert.Equal(16, before!.Length);
    }

    [Fact]
    public void ASecretCreatedAfterTheDeploy_ChangesTheDigest_SoThePodsStartWithIt()
    {
        var service = Descriptors.Plain() with { Secrets = Secrets };

        Assert.NotEqual(Digest(service, Wandb), Digest(service, First, Wandb));
    }

    [Fact]
    public void AServiceThatNamesNoSecret_HasNoDigest_AndItsObjectsNoAnnotation()
    {
        var service = Descriptors.Plain();
        var objects = ManifestRenderer.Render(service, Descriptors.Options);
        foreach (var value in objects)
        {
            DeployTimeAnnotations.Stamp(value, "9b3c1f0e2d4a6b8c", DeployTimeAnnotations.DescriptorDigest(service), Digest(service, First));
        }

        Assert.Null(Digest(service, First));
        Assert.DoesNotContain(DeployTimeAnnotations.SecretsDigest, string.Join(",", objects.Select(ClusterClient.ApplyBody)), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Descriptors.AllKinds), MemberType = typeof(Descriptors))]
    public void TheDigest_LandsOnEveryPodTemplateThatReadsTheSecrets_AndTheWorkload_WithoutAnyValue(ServiceDescriptor kind)
    {
        var service = kind with { Secrets = Secrets };
        var digest = Digest(service, Rotated, Wandb)!;
        var objects = ManifestRenderer.Render(service, Descriptors.Options);
        foreach (var value in objects)
        {
            DeployTimeAnnotations.Stamp(value, "9b3c1f0e2d4a6b8c", DeployTimeAnnotations.DescriptorDigest(service), digest);
        }

        var templates = objects.SelectMany(o => o switch
        {
            V1Deployment d => [d.Spec.Template],
            V1StatefulSet s => [s.Spec.Template],
            KnativeService k => [new V1PodTemplateSpec { Metadata = k.Spec.Template.Metadata }],
            RayCluster r => r.Spec.WorkerGroupSpecs.Select(g => g.Template).Prepend(r.Spec.HeadGroupSpec.Template),
            _ => [],
        }).ToArray();
        Assert.NotEmpty(templates);
        Assert.All(templates, t => Assert.Equal(digest, t.Metadata.Annotations[DeployTimeAnnotations.SecretsDigest]));
        var workload = objects.Single(o => o is V1Deployment or V1StatefulSet or KnativeService or RayCluster);
        Assert.Equal(digest, workload.Metadata.Annotations[DeployTimeAnnotations.SecretsDigest]);
        var applied = string.Join(",", objects.Select(ClusterClient.ApplyBody));
        Assert.DoesNotContain("second-Xw42", applied, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String("second-Xw42"u8), applied, StringComparison.Ordinal);
    }

    [Fact]
    public void ADeployedServiceWhoseSecretsWereRotated_IsNotAdopted_ButApplied()
    {
        var service = Descriptors.Plain() with { Secrets = Secrets };
        var objects = ManifestRenderer.Render(service, Descriptors.Options);
        var live = KubernetesYamlLive(service);
        live.Metadata.Annotations[DeployTimeAnnotations.SecretsDigest] = Digest(service, First, Wandb)!;
        var layout = ServiceLayout.From(service, objects);
        var settings = DeployTimeAnnotations.DescriptorDigest(service);

        var same = Adoption.Decide(layout, live.Metadata, DeploymentKind.ReadinessOf(live), settings, "9b3c1f0e2d4a6b8c", Digest(service, First, Wandb));
        var rotated = Adoption.Decide(layout, live.Metadata, DeploymentKind.ReadinessOf(live), settings, "9b3c1f0e2d4a6b8c", Digest(service, Rotated, Wandb));

        Assert.True(same.Adopt, same.Reason);
        Assert.Equal((false, "its workers started with other versions of its Secrets"), (rotated.Adopt, rotated.Reason));
    }

    /// <summary>The recorded Deployment of adoption/, as applied from <paramref name="service"/>'s settings.</summary>
    private static V1Deployment KubernetesYamlLive(ServiceDescriptor service) =>
        k8s.KubernetesYaml.Deserialize<V1Deployment>(File.ReadAllText(Recorded.Path("adoption/deployment-probe.yaml"))
            .Replace("SETTINGS", DeployTimeAnnotations.DescriptorDigest(service), StringComparison.Ordinal));
}

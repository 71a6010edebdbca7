using Hoist.Backends.Kubernetes;
using Hoist.Manifests;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// The pod settings of [Compute] that Knative lets through only behind a config-features flag, judged against the
/// recorded stock ConfigMaps (the flag is off there) and against the same ConfigMaps with the flag an admin would set.
/// </summary>
public sealed class PodSettingsAdmissionTests
{
    private static readonly KnativeClusterConfig Stock = Recorded.KnativeStock;

    public static readonly TheoryData<string, ComputeSpec, string> Flagged = new()
    {
        { "PriorityClass", Descriptors.Autoscaled().Compute with { PriorityClass = "batch-low" }, "kubernetes.podspec-priorityclassname" },
        { "SpreadAcrossNodes", Descriptors.Autoscaled().Compute with { SpreadAcrossNodes = true }, "kubernetes.podspec-topologyspreadconstraints" },
    };

    [Theory]
    [MemberData(nameof(Flagged))]
    public void APodSettingBehindAFlag_IsRefusedOnAStockCluster_AndAcceptedWithTheFlag(string setting, ComputeSpec compute, string flag)
    {
        var service = Assert.Single(ManifestRenderer.Render(Descriptors.Autoscaled() with { Compute = compute }, Descriptors.Options).OfType<KnativeService>());

        var refusal = Assert.Single(KnativeAdmission.Refusals("embed", service, Stock));
        Assert.Equal(flag, refusal.Key);
        Assert.Contains(setting, refusal.Reason, StringComparison.Ordinal);

        var features = Stock.Features!.ToDictionary(f => f.Key, f => f.Value);
        features[flag] = "enabled";
        Assert.Empty(KnativeAdmission.Refusals("embed", service, Stock with { Features = features }));
    }

    [Fact]
    public void PodSettingsWithoutAFlag_AreAcceptedOnAStockCluster()
    {
        var compute = Descriptors.Autoscaled().Compute with { ServiceAccount = "embedder", ImagePullSecrets = "ghcr-pull" };
        var service = Assert.Single(ManifestRenderer.Render(Descriptors.Autoscaled() with { Compute = compute }, Descriptors.Options).OfType<KnativeService>());

        Assert.Empty(KnativeAdmission.Refusals("embed", service, Stock));
    }

    [Fact]
    public void APodTemplatesFieldsBehindFlags_AreEachNamed_AndAcceptedWithTheFlags()
    {
        var template = PodTemplate.From("pod-template.yaml", k8s.KubernetesYaml.Deserialize<k8s.Models.V1PodSpec>("""
            securityContext:
              fsGroup: 1654
            affinity:
              nodeAffinity:
                preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 50
                  preference:
                    matchExpressions:
                    - { key: topology.kubernetes.io/zone, operator: In, values: [eu-west-1a] }
            initContainers:
            - { name: wait, image: "busybox:1.36" }
            hostAliases:
            - { ip: 10.0.0.1, hostnames: [proxy] }
            schedulerName: batch
            dnsPolicy: None
            dnsConfig:
              nameservers: [10.0.0.10]
            volumes:
            - name: ca-bundle
              configMap: { name: corporate-ca }
            """, strict: true));
        var service = Assert.Single(ManifestRenderer.Render(Descriptors.Autoscaled(), Descriptors.Options with { PodTemplate = template }).OfType<KnativeService>());
        string[] flags =
        [
            "kubernetes.podspec-affinity", "kubernetes.podspec-securitycontext", "kubernetes.podspec-init-containers", "kubernetes.podspec-hostaliases",
            "kubernetes.podspec-schedulername", "kubernetes.podspec-dnspolicy", "kubernetes.podspec-dnsconfig",
        ];

        var refusals = KnativeAdmission.Refusals("embed", service, Stock);
        Assert.Equal(flags.Order(), refusals.Select(r => r.Key).Order());
        Assert.All(refusals, r => Assert.Contains("renders", r.Reason, StringComparison.Ordinal));

        var features = Stock.Features!.ToDictionary(f => f.Key, f => f.Value);
        foreach (var flag in flags)
        {
            features[flag] = "enabled";
        }

        Assert.Empty(KnativeAdmission.Refusals("embed", service, Stock with { Features = features }));
    }
}

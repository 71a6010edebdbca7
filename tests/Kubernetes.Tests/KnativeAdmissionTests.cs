using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// What Knative's webhook would refuse, judged before applying from recorded knative-serving ConfigMaps: the stock
/// install (every flag in the example block only, so Knative's defaults hold) and a GPU cluster an admin patched.
/// </summary>
public sealed class KnativeAdmissionTests
{
    private static readonly KnativeClusterConfig Stock = Recorded.KnativeStock;

    private static readonly KnativeClusterConfig Patched = new(
        Recorded.ConfigMapData("knative/config-features.gpu.yaml"),
        Recorded.ConfigMapData("knative/config-autoscaler.zero.yaml"),
        Recorded.ConfigMapData("knative/config-defaults.long.yaml"));

    private static KnativeService Render(ServiceDescriptor descriptor) =>
        Assert.Single(ManifestRenderer.Render(descriptor, Descriptors.Options).OfType<KnativeService>());

    private static ServiceDescriptor Gpu() => Descriptors.Autoscaled() with { Compute = Descriptors.Autoscaled().Compute with { Gpus = 1 } };

    [Fact]
    public void ACpuService_OnAStockCluster_IsAccepted() =>
        Assert.Empty(KnativeAdmission.Refusals("embed", Render(Descriptors.Autoscaled()), Stock));

    [Fact]
    public void AGpuService_OnAStockCluster_IsRefused_NamingTheTolerationsFlagAndThePatch()
    {
        var refusal = Assert.Single(KnativeAdmission.Refusals("embed", Render(Gpu()), Stock));

        Assert.Equal("kubernetes.podspec-tolerations", refusal.Key);
        Assert.Equal(
            "service 'embed' renders tolerations (every GPU service does), which Knative refuses unless kubernetes.podspec-tolerations is \"enabled\" in knative-serving/config-features: "
            + "kubectl patch configmap config-features -n knative-serving --type merge -p '{\"data\":{\"kubernetes.podspec-tolerations\":\"enabled\"}}'",
            refusal.Line);
    }

    [Fact]
    public void AGpuService_WhereTheFlagIsEnabled_InAnyCase_IsAccepted() =>
        Assert.Empty(KnativeAdmission.Refusals("embed", Render(Gpu()), Patched));

    [Fact]
    public void InitialScaleZero_NeedsAllowZeroInitialScale_InConfigAutoscaler()
    {
        var zero = Descriptors.Autoscaled() with { Autoscale = Descriptors.Autoscaled().Autoscale! with { InitialScale = 0 } };

        var refusal = Assert.Single(KnativeAdmission.Refusals("embed", Render(zero), Stock));
        Assert.Equal((KnativeClusterConfig.AutoscalerMap, "allow-zero-initial-scale", "true"), (refusal.ConfigMap, refusal.Key, refusal.Value));
        Assert.EndsWith("kubectl patch configmap config-autoscaler -n knative-serving --type merge -p '{\"data\":{\"allow-zero-initial-scale\":\"true\"}}'", refusal.Line);

        Assert.Empty(KnativeAdmission.Refusals("embed", Render(zero), Patched));
    }

    [Fact]
    public void ACallTimeoutBeyondTheClustersMaximum_IsRefused_WithTheMaximumItNeeds()
    {
        var hour = Descriptors.Autoscaled() with { CallTimeout = TimeSpan.FromMinutes(45) };

        var refusal = Assert.Single(KnativeAdmission.Refusals("embed", Render(hour), Stock));
        Assert.Equal(("max-revision-timeout-seconds", "2700"), (refusal.Key, refusal.Value));
        Assert.Contains("longer than the cluster's limit of 600 s", refusal.Line, StringComparison.Ordinal);

        Assert.Empty(KnativeAdmission.Refusals("embed", Render(hour), Patched)); // that cluster allows 3600 s
    }

    [Fact]
    public void ConfigMapsThatCouldNotBeRead_AreNotJudged()
    {
        var zeroGpu = Gpu() with { Autoscale = Gpu().Autoscale! with { InitialScale = 0 }, CallTimeout = TimeSpan.FromHours(2) };

        Assert.Empty(KnativeAdmission.Refusals("embed", Render(zeroGpu), KnativeClusterConfig.Unknown));
        Assert.Equal(3, KnativeAdmission.Refusals("embed", Render(zeroGpu), Stock).Count);
    }

    // The pod fields Hoist renders or may render into a revision, each against the recorded patched cluster: a
    // flag that is "Allowed" lets a node selector through, but not write access to a claim, which Knative wants
    // "Enabled"; and that cluster turned emptyDir off.
    [Fact]
    public void PodFields_AreJudgedAsKnativesFieldMaskDoes()
    {
        var service = Render(Descriptors.Autoscaled());
        var spec = service.Spec.Template.Spec;
        spec.Tolerations = [new V1Toleration { Key = "nvidia.com/gpu", OperatorProperty = "Exists", Effect = "NoSchedule" }];

        var json = k8s.KubernetesJson.Serialize(service);
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        var podSpec = node["spec"]!["template"]!["spec"]!.AsObject();
        podSpec["nodeSelector"] = new System.Text.Json.Nodes.JsonObject { ["nvidia.com/gpu.product"] = "NVIDIA-A100-SXM4-80GB" };
        podSpec["volumes"] = System.Text.Json.Nodes.JsonNode.Parse("""
            [{"name": "models", "persistentVolumeClaim": {"claimName": "embed-models"}},
             {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}}]
            """);

        Assert.Equal(
            ["kubernetes.podspec-volumes-emptydir", "kubernetes.podspec-persistent-volume-write"],
            KnativeAdmission.Refusals("embed", node, Patched).Select(r => r.Key));
        Assert.Equal(
            ["kubernetes.podspec-tolerations", "kubernetes.podspec-nodeselector", "kubernetes.podspec-persistent-volume-claim", "kubernetes.podspec-persistent-volume-write"],
            KnativeAdmission.Refusals("embed", node, Stock).Select(r => r.Key));

        // A claim mounted read-only needs no write access.
        podSpec["volumes"]![0]!["persistentVolumeClaim"]!["readOnly"] = true;
        Assert.DoesNotContain("kubernetes.podspec-persistent-volume-write", KnativeAdmission.Refusals("embed", node, Stock).Select(r => r.Key));
    }

    [Theory]
    [InlineData("Enabled", "Enabled")]
    [InlineData("allowed", "Allowed")]
    [InlineData("DISABLED", "Disabled")]
    [InlineData(" enabled", "Disabled")] // Knative compares without trimming
    [InlineData("on", "Disabled")] // not a flag value: Knative keeps its default
    [InlineData("2", "Disabled")]
    public void Flag_ReadsAsKnativesAsFlag(string raw, string expected) =>
        Assert.Equal(expected, KnativeClusterConfig.Flag(new Dictionary<string, string> { ["f"] = raw }, "f", KnativeFlag.Disabled).ToString());

    [Fact]
    public void AnUnlimitedService_OnAClusterWithAMaxScaleLimit_IsRefused_AndOneWithinTheLimitIsNot()
    {
        var capped = new KnativeClusterConfig(Stock.Features, Recorded.ConfigMapData("knative/config-autoscaler.limit.yaml"), Stock.Defaults);
        var unlimited = Descriptors.Autoscaled() with { Autoscale = Descriptors.Autoscaled().Autoscale! with { MaxScale = 0 } };
        var above = Descriptors.Autoscaled() with { Autoscale = Descriptors.Autoscaled().Autoscale! with { MaxScale = 80 } };

        var refusal = Assert.Single(KnativeAdmission.Refusals("embed", Render(unlimited), capped));
        Assert.Equal((KnativeAdmission.MaxScaleLimit, "0"), (refusal.Key, refusal.Value));
        Assert.Contains("has no replica limit", refusal.Line, StringComparison.Ordinal);
        Assert.Contains("set MaxScale from 1 to 50", refusal.Line, StringComparison.Ordinal);
        Assert.Contains("may scale to 80 replicas", Assert.Single(KnativeAdmission.Refusals("embed", Render(above), capped)).Line, StringComparison.Ordinal);

        Assert.Empty(KnativeAdmission.Refusals("embed", Render(Descriptors.Autoscaled()), capped));     // MaxScale 10
        Assert.Empty(KnativeAdmission.Refusals("embed", Render(unlimited), Stock));                     // no limit set
    }

    [Fact]
    public void AContainerConcurrency_AboveTheClustersMaxLimit_IsRefused_AndOneWithinItIsNot()
    {
        var lowered = new KnativeClusterConfig(Stock.Features, Stock.Autoscaler, Recorded.ConfigMapData("knative/config-defaults.concurrency.yaml"));
        ServiceDescriptor WithLimit(int limit) => Descriptors.Autoscaled() with { Autoscale = Descriptors.Autoscaled().Autoscale! with { ContainerConcurrency = limit } };

        var refusal = Assert.Single(KnativeAdmission.Refusals("embed", Render(WithLimit(500)), lowered));
        Assert.Equal((KnativeClusterConfig.DefaultsMap, KnativeAdmission.ContainerConcurrencyMaxLimit, "500"), (refusal.ConfigMap, refusal.Key, refusal.Value));
        Assert.Contains("set ContainerConcurrency from 1 to 100", refusal.Line, StringComparison.Ordinal);

        Assert.Empty(KnativeAdmission.Refusals("embed", Render(WithLimit(100)), lowered));
        Assert.Empty(KnativeAdmission.Refusals("embed", Render(WithLimit(500)), Stock));   // Knative's own limit is 1000
        Assert.Empty(KnativeAdmission.Refusals("embed", Render(WithLimit(0)), lowered));   // no limit: no containerConcurrency rendered
    }
}

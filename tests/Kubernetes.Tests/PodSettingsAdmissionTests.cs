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
}

using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// An app started on Hoist:Backend=kubernetes uses what hoist deploy put there, as it is, when it is this app's,
/// ready, from the same settings and with the same token; otherwise it applies (issue 16, item 11).
/// </summary>
public sealed class AdoptionTests
{
    private const string TokenDigest = "9b3c1f0e2d4a6b8c";

    private static readonly ServiceDescriptor Probe = Descriptors.Plain();

    private static ServiceLayout Layout(ServiceDescriptor descriptor) => ServiceLayout.From(descriptor, ManifestRenderer.Render(descriptor, Descriptors.Options));

    /// <summary>The recorded Deployment, as applied from <paramref name="appliedFrom"/>'s settings.</summary>
    private static V1Deployment Live(ServiceDescriptor appliedFrom) =>
        KubernetesYaml.Deserialize<V1Deployment>(File.ReadAllText(Recorded.Path("adoption/deployment-probe.yaml"))
            .Replace("SETTINGS", DeployTimeAnnotations.DescriptorDigest(appliedFrom), StringComparison.Ordinal));

    private static AdoptionDecision Decide(V1Deployment? live, ServiceDescriptor? running = null, string tokenDigest = TokenDigest) =>
        Adoption.Decide(Layout(running ?? Probe), live?.Metadata, live is null ? null : DeploymentKind.ReadinessOf(live), DeployTimeAnnotations.DescriptorDigest(running ?? Probe), tokenDigest);

    [Fact]
    public void AReadyServiceOfThisApp_FromTheSameSettings_IsUsedAsItIs_KeepingTheDeployedImage()
    {
        var decision = Decide(Live(Probe));

        Assert.True(decision.Adopt, decision.Reason);
        Assert.Contains("image stays as deployed", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheImageSettingsOfTheApp_DoNotEnterTheDecision()
    {
        // The app runs with other image settings than deploy pushed: same descriptor, same decision.
        var elsewhere = ServiceLayout.From(Probe, ManifestRenderer.Render(Probe, Descriptors.Options with { Image = "registry.example/myapp:old" }));
        var live = Live(Probe);

        Assert.True(Adoption.Decide(elsewhere, live.Metadata, DeploymentKind.ReadinessOf(live), DeployTimeAnnotations.DescriptorDigest(Probe), TokenDigest).Adopt);
    }

    [Fact]
    public void OtherSettingsOrCode_AreApplied()
    {
        var changed = Probe with { Compute = Probe.Compute with { Memory = "2Gi" } };
        var newMethod = Probe with { Methods = [.. Probe.Methods, "Ping"] };
        var newDeadline = Probe with { CallTimeout = TimeSpan.FromMinutes(5) };

        Assert.False(Decide(Live(Probe), changed).Adopt);
        Assert.False(Decide(Live(Probe), newMethod).Adopt);
        Assert.False(Decide(Live(Probe), newDeadline).Adopt);
    }

    [Fact]
    public void AnotherToken_IsApplied_SoTheWorkersGetTheOneThisAppCallsWith() =>
        Assert.Equal("its workers hold another call token", Decide(Live(Probe), tokenDigest: "0000000000000000").Reason);

    [Fact]
    public void NothingThere_AnotherAppsWorkload_OrOneNotReady_IsApplied()
    {
        Assert.False(Decide(null).Adopt);

        var other = Live(Probe);
        other.Metadata.Labels[ManifestLabels.Instance] = "otherapp-probe";
        Assert.Equal("the workload there is not this app's", Decide(other).Reason);

        var rolling = Live(Probe);
        rolling.Metadata.Generation = 4; // a spec change the controller has not seen yet
        Assert.False(Decide(rolling).Adopt);

        var deleting = Live(Probe);
        deleting.Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.False(Decide(deleting).Adopt);
    }
}

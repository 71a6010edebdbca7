using Hoist.Backends.Kubernetes;
using Hoist.Backends.Local;
using Hoist.Client;
using Hoist.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Hoist.Kubernetes.Tests;

public sealed class BackendSelectionTests
{
    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHoist(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Backend_IsLocal_ByDefault()
    {
        await using var provider = Build();

        Assert.IsType<LocalBackend>(provider.GetRequiredService<IHoistBackend>());
    }

    [Theory]
    [InlineData("kubernetes")]
    [InlineData("Kubernetes")]
    public async Task Backend_Kubernetes_IsSelectedByConfiguration_WithoutTouchingACluster(string value)
    {
        await using var provider = Build(("Hoist:Backend", value), ("Hoist:Kubernetes:Image", "registry.example/app:1"), ("Hoist:Kubernetes:Kubeconfig", ""));

        var backend = Assert.IsType<KubernetesBackend>(provider.GetRequiredService<IHoistBackend>());
        Assert.Null(backend.GetStatus("anything"));
    }

    [Fact]
    public async Task UnknownBackend_FailsWithTheAllowedValues()
    {
        await using var provider = Build(("Hoist:Backend", "docker"));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HoistOptions>>().Value);

        Assert.Contains("Hoist:Backend is \"docker\"", error.Message);
        Assert.Contains("Allowed values: \"local\", \"kubernetes\"", error.Message);
    }

    [Fact]
    public async Task UnknownBackend_FailsTheHostAtStartUp()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("Hoist:Backend", "docker")]);
        builder.AddHoist();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Allowed values", error.Message);
    }

    [Fact]
    public void KubernetesBackend_WithoutAnImage_FailsAtStartUp_NamingTheSetting()
    {
        var failures = HoistOptionsValidator.Failures(new HoistOptions { Backend = "kubernetes" });

        Assert.Contains(failures, f => f.StartsWith("Hoist:Kubernetes:Image is required", StringComparison.Ordinal));
    }

    [Fact]
    public void LocalBackend_IgnoresTheKubernetesSection()
    {
        Assert.Empty(HoistOptionsValidator.Failures(new HoistOptions { Kubernetes = new KubernetesBackendOptions { ConnectMode = "telepathy" } }));
    }

    [Fact]
    public void ValidKubernetesSettings_PassValidation()
    {
        var options = new HoistOptions
        {
            Backend = "kubernetes",
            Kubernetes = new KubernetesBackendOptions { Image = "registry.example/app:1", Namespace = "ml", ConnectMode = "cluster-dns", ImagePullPolicy = "IfNotPresent" },
        };

        Assert.Empty(HoistOptionsValidator.Failures(options));
    }

    [Theory]
    [InlineData("ConnectMode", "telepathy", "Hoist:Kubernetes:ConnectMode is \"telepathy\". Allowed values: \"auto\", \"port-forward\", \"cluster-dns\".")]
    [InlineData("Namespace", "ML_Team", "Hoist:Kubernetes:Namespace \"ML_Team\" is not a DNS-1123 label")]
    [InlineData("Kubeconfig", "/nowhere/kubeconfig", "Hoist:Kubernetes:Kubeconfig points to \"/nowhere/kubeconfig\", which does not exist.")]
    [InlineData("ImagePullPolicy", "Sometimes", "Hoist:Kubernetes:ImagePullPolicy is \"Sometimes\"")]
    [InlineData("GrpcPort", "0", "Hoist:Kubernetes:GrpcPort is 0, which is not a TCP port")]
    [InlineData("RendezvousPort", "50051", "Hoist:Kubernetes:GrpcPort and RendezvousPort are both 50051")]
    public void BadKubernetesSettings_AreNamed(string setting, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
        [
            new("Hoist:Backend", "kubernetes"),
            new("Hoist:Kubernetes:Image", "registry.example/app:1"),
            new($"Hoist:Kubernetes:{setting}", value),
        ]).Build();
        var options = configuration.GetSection(HoistOptions.SectionName).Get<HoistOptions>()!;

        var failure = Assert.Single(HoistOptionsValidator.Failures(options));

        Assert.StartsWith(expected, failure);
    }
}

using Hoist.Backends.Kubernetes;
using Hoist.Testing;
using Hoist.Cli.Building;
using Hoist.Cli.Calling;
using Hoist.Cli.Commands;
using Hoist.Client;
using Hoist.Hosting;
using Hoist.Manifests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Hoist.Cli.Tests;

/// <summary>
/// What you read is what gets applied: one app with one appsettings.json renders the same YAML through every path,
/// build-time emit (the manifest tool), <c>hoist manifests</c>, <c>hoist deploy</c> and the Kubernetes backend.
/// </summary>
public sealed class ManifestParityTests
{
    private const string Settings = """
        {
          "Hoist": {
            "Backend": "kubernetes",
            "Kubernetes": {
              "Image": "registry.example/shop:7",
              "Namespace": "team-a",
              "AppName": "shop",
              "GrpcPort": 50061,
              "RendezvousPort": 29600,
              "TokenSecretName": "shop-call-token",
              "ImagePullPolicy": "IfNotPresent",
              "ClusterDomain": "corp.local",
              "PodTemplate": "POD_TEMPLATE"
            },
            "Services": {
              "scorer": { "MaxScale": 9, "Memory": "3Gi", "Window": ".5m" },
              "shrink": { "Image": "nvcr.io/nvidia/pytorch:23.10-py3", "InactivityTtl": "30m" }
            }
          }
        }
        """;

    [Fact]
    public async Task SameSettings_SameYaml_ThroughTheManifestTool_HoistManifests_DeployAndTheBackend()
    {
        using var work = new TempDirectory();
        var template = Path.Combine(work.Path, "pod-template.yaml");
        await File.WriteAllTextAsync(template, "tolerations:\n- key: team-a-only\n  operator: Exists\n");
        var (assembly, settingsFile) = await AppWithSettingsAsync(work, Settings.Replace("POD_TEMPLATE", template, StringComparison.Ordinal));

        // Build time: the tool Hoist.targets runs after Build, with the properties it passes by default.
        var emitted = Path.Combine(work.Path, "emitted");
        var tool = await ManifestToolAsync(work, assembly, emitted, settingsFile, "--app-name", "ServiceLibrary");
        Assert.True(tool.ExitCode == 0, tool.Output + tool.Error);

        // hoist manifests, reading the appsettings.json beside the assembly.
        var rendered = Path.Combine(work.Path, "rendered");
        var cli = await HoistProcess.RunAsync(["manifests", assembly, "-o", rendered], work.Path, HoistProcess.WithoutCluster(work.Path));
        Assert.True(cli.ExitCode == 0, cli.ToString());

        // hoist deploy and the backend, up to the objects they apply (both need a cluster after that).
        var configuration = new ConfigurationBuilder().AddJsonFile(settingsFile).Build();
        var hoist = new HoistOptions();
        configuration.GetSection(HoistOptions.SectionName).Bind(hoist);
        var app = new BuiltApp(assembly, "ServiceLibrary", work.Path);
        var services = AppServices.Read(app, hoist);
        var deployed = services.ToDictionary(
            s => s.Name,
            s => ManifestYaml.Serialize(ManifestRenderer.Render(s, DeployCommand.ManifestOptionsFor(hoist, app, hoist.Kubernetes.Image!, hoist.Kubernetes.Namespace!))));

        CallTarget.Register(AssemblyDescriptorReader.Read(assembly));
        using var provider = new ServiceCollection().AddLogging().AddHoist(configuration).BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<HoistOptions>>();
        var catalog = new ServiceCatalog(monitor);
        await using var backend = new KubernetesBackend(catalog.Describe, monitor, NullLoggerFactory.Instance, TimeProvider.System);
        var fromBackend = services.ToDictionary(
            s => s.Name,
            s => ManifestYaml.Serialize(ManifestRenderer.Render(catalog.Describe(s.Name), backend.ManifestOptionsFor(hoist.Kubernetes.Namespace!))));

        Assert.Equal(["scorer", "shrink"], services.Select(s => s.Name).Order(StringComparer.Ordinal));

        // The whole folder: the build writes what hoist manifests writes, the controller (shrink has an InactivityTtl)
        // and a kustomization.yaml listing every file included, so kubectl apply -k takes either as it is.
        var emittedFiles = Directory.GetFiles(emitted).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal([ControllerManifests.FileName, AppManifests.KustomizationFileName, "scorer.yaml", "shrink.yaml"], emittedFiles);
        Assert.Equal(emittedFiles, Directory.GetFiles(rendered).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
        foreach (var file in emittedFiles)
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(emitted, file)), await File.ReadAllTextAsync(Path.Combine(rendered, file)));
        }

        var kustomization = await File.ReadAllTextAsync(Path.Combine(emitted, AppManifests.KustomizationFileName));
        Assert.Equal(
            emittedFiles.Where(f => f != AppManifests.KustomizationFileName).Order(StringComparer.Ordinal),
            kustomization[(kustomization.IndexOf("resources:\n", StringComparison.Ordinal) + "resources:\n".Length)..].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[2..]).Order(StringComparer.Ordinal));
        Assert.Contains("kubectl create secret generic shop-call-token -n team-a --from-literal=token=", kustomization, StringComparison.Ordinal);
        Assert.Contains("kubectl create secret generic shop-call-token -n team-a", cli.Output, StringComparison.Ordinal);
        foreach (var service in services)
        {
            var file = service.Name + ManifestFiles.Extension;
            var yaml = await File.ReadAllTextAsync(Path.Combine(emitted, file));
            Assert.Equal(yaml, await File.ReadAllTextAsync(Path.Combine(rendered, file)));
            Assert.Equal(yaml, deployed[service.Name]);
            Assert.Equal(yaml, fromBackend[service.Name]);

            // And the settings did reach the YAML: nothing was dropped on any path, and each service runs the image
            // deploy builds and pushes for its base.
            var pushed = ContainerImages.Plan(services, "registry.example", "shop", "7").Single(b => b.Services.Contains(service.Name)).Image.Reference;
            Assert.Contains($"image: {pushed}\n", yaml, StringComparison.Ordinal);
            Assert.Contains("namespace: team-a", yaml, StringComparison.Ordinal);
            Assert.Contains("app.kubernetes.io/part-of: shop", yaml, StringComparison.Ordinal);
            Assert.Contains("50061", yaml, StringComparison.Ordinal);
            Assert.Contains("shop-call-token", yaml, StringComparison.Ordinal);
            Assert.Contains("imagePullPolicy: IfNotPresent", yaml, StringComparison.Ordinal);
            Assert.Contains("key: team-a-only", yaml, StringComparison.Ordinal);
        }

        Assert.Contains("image: registry.example/shop:7-pytorch-23.10-py3\n", await File.ReadAllTextAsync(Path.Combine(emitted, "shrink.yaml")), StringComparison.Ordinal);
        Assert.Contains("image: registry.example/shop:7\n", await File.ReadAllTextAsync(Path.Combine(emitted, "scorer.yaml")), StringComparison.Ordinal);

        var scorer = await File.ReadAllTextAsync(Path.Combine(emitted, "scorer.yaml"));
        Assert.Contains("autoscaling.knative.dev/max-scale: \"9\"", scorer, StringComparison.Ordinal);
        Assert.Contains("autoscaling.knative.dev/window: .5m", scorer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOverrideThatBreaksARule_FailsTheManifestTool_AndHoistManifests_WithTheRulesId()
    {
        using var work = new TempDirectory();
        var (assembly, settingsFile) = await AppWithSettingsAsync(work, """{ "Hoist": { "Services": { "scorer": { "Window": "abc" } } } }""");

        var tool = await ManifestToolAsync(work, assembly, Path.Combine(work.Path, "out"), settingsFile);
        var cli = await HoistProcess.RunAsync(["manifests", assembly, "-o", Path.Combine(work.Path, "out2")], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.Equal(1, tool.ExitCode);
        Assert.Contains($"{settingsFile}: error HOIST009: Hoist:Services:scorer:Window = \"abc\" is not allowed: use a Go-style duration", tool.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Equal("error: Hoist:Services:scorer:Window = \"abc\" is not allowed: use a Go-style duration such as \"60s\", \"1m30s\", \"1.5h\" or \"500ms\" (units h, m, s, ms) in whole seconds from 6s to 1h, for example \"60s\" or \"2m\" (HOIST009)", cli.ErrorLines[0]);
        Assert.StartsWith("hint: fix it in the Hoist:Services:scorer section", cli.ErrorLines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnImageOverrideThatIsNoImageReference_FailsTheManifestTool_AndHoistManifests_WithHOIST030()
    {
        using var work = new TempDirectory();
        var (assembly, settingsFile) = await AppWithSettingsAsync(work, """{ "Hoist": { "Services": { "shrink": { "Image": "not an image!!" } } } }""");

        var tool = await ManifestToolAsync(work, assembly, Path.Combine(work.Path, "out"), settingsFile);
        var cli = await HoistProcess.RunAsync(["manifests", assembly, "-o", Path.Combine(work.Path, "out2")], work.Path, HoistProcess.WithoutCluster(work.Path));

        // The verdict the generator gives the same value at [Compute(Image)] (DiagnosticTests) and the runtime gives the override (SettingsParityTests).
        Assert.Equal(1, tool.ExitCode);
        Assert.Contains($"{settingsFile}: error HOIST030: Hoist:Services:shrink:Image = \"not an image!!\" is not an image reference: use [registry[:port]/]path[:tag][@digest]", tool.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, cli.ExitCode);
        Assert.StartsWith("error: Hoist:Services:shrink:Image = \"not an image!!\" is not an image reference", cli.ErrorLines[0], StringComparison.Ordinal);
        Assert.EndsWith("(HOIST030)", cli.ErrorLines[0], StringComparison.Ordinal);
    }

    /// <summary>The fixture library's assembly with an appsettings.json beside it, in <paramref name="work"/>.</summary>
    private static async Task<(string Assembly, string SettingsFile)> AppWithSettingsAsync(TempDirectory work, string settings)
    {
        var assembly = Path.Combine(work.Path, "ServiceLibrary.dll");
        File.Copy(HoistProcess.Output("tests/Fixtures/ServiceLibrary", "ServiceLibrary.dll"), assembly);
        var settingsFile = Path.Combine(work.Path, "appsettings.json");
        await File.WriteAllTextAsync(settingsFile, settings);
        return (assembly, settingsFile);
    }

    /// <summary>The manifest tool as Hoist.targets runs it after Build.</summary>
    private static Task<ChildProcessResult> ManifestToolAsync(TempDirectory work, string assembly, string output, string settingsFile, params string[] more) =>
        ChildProcess.RunAsync(
            "dotnet",
            ["exec", HoistProcess.Output("src/ManifestTool", "Hoist.ManifestTool.dll"), "--assembly", assembly, "--output", output, "--settings", settingsFile, .. more],
            work.Path,
            TimeSpan.FromSeconds(60));
}

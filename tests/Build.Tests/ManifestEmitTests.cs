using Hoist.Hosting;
using Hoist.Manifests;

namespace Hoist.Build.Tests;

/// <summary>
/// <c>dotnet build</c> of a class library with Hoist services writes manifests/&lt;service&gt;.yaml beside it: what the
/// renderer makes of each descriptor, valid against the published schemas, only when something changed, and
/// nothing at all when switched off. The tests share one built copy and run one after another.
/// </summary>
public sealed class ManifestEmitTests(ServiceLibraryCopy library) : IClassFixture<ServiceLibraryCopy>
{
    private const string EmitTarget = "EmitHoistManifests";

    // What the fixture's attributes say (tests/Fixtures/ServiceLibrary/Services.cs), written out by hand.
    private static readonly ServiceDescriptor Shrink = new()
    {
        Name = "shrink",
        Kind = ServiceKind.Method,
        DeclaringType = "ServiceLibrary.Thumbnails",
        AssemblyName = ServiceLibraryCopy.AssemblyName,
        Methods = ["Shrink"],
        Compute = new ComputeSpec { Cpus = 0.5, Memory = "256Mi", LaunchTimeout = 120 },
    };

    private static readonly ServiceDescriptor Scorer = new()
    {
        Name = "scorer",
        Kind = ServiceKind.Class,
        DeclaringType = "ServiceLibrary.Scorer",
        AssemblyName = ServiceLibraryCopy.AssemblyName,
        Methods = ["Score"],
        Compute = new ComputeSpec { Memory = "1Gi" },
        Autoscale = new AutoscaleSpec { Target = 4, MaxScale = 3, ScaleToZeroGracePeriod = 120 },
    };

    // The build-time defaults: app name = assembly name, image = "<app name in lower case>:latest", namespace "default".
    private static readonly ManifestOptions BuildDefaults = new() { AppName = ServiceLibraryCopy.AssemblyName, Image = "servicelibrary:latest" };

    [Fact]
    public void Build_WritesOneManifestPerService_AsTheRendererRendersIt()
    {
        Assert.Contains($"{ServiceLibraryCopy.AssemblyName} -> {library.ManifestsDirectory}", library.FirstBuildLog, StringComparison.Ordinal);
        Assert.Equal(["kustomization.yaml", "scorer.yaml", "shrink.yaml"], Directory.GetFiles(library.FirstBuildManifests).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(
            AppManifests.Complete([Shrink, Scorer], BuildDefaults, [new("shrink.yaml", Render(Shrink, BuildDefaults)), new("scorer.yaml", Render(Scorer, BuildDefaults))])[^1].Content,
            File.ReadAllText(Path.Combine(library.FirstBuildManifests, AppManifests.KustomizationFileName)));
        Assert.Equal(Render(Shrink, BuildDefaults), File.ReadAllText(Path.Combine(library.FirstBuildManifests, "shrink.yaml")));
        Assert.Equal(Render(Scorer, BuildDefaults), File.ReadAllText(Path.Combine(library.FirstBuildManifests, "scorer.yaml")));

        // The same descriptors the tool read from the built library's metadata, each with a wire contract per method
        // (what the generator derives from the signatures; the generator tests pin their text).
        var read = AssemblyDescriptorReader.Read(library.AssemblyPath);
        Assert.All(read, d => Assert.Equal(d.Methods, d.WireContracts.Select(c => c.Method)));
        Assert.Equivalent(new[] { Shrink, Scorer }, read.Select(d => d with { WireContracts = [] }), strict: true);
    }

    [Fact]
    public async Task EmittedManifests_PassValidateManifests()
    {
        var missing = new[] { "node", "npm" }.Where(tool => !OnPath(tool)).ToArray();
        Assert.True(missing.Length == 0,
            $"validate-manifests needs {string.Join(" and ", missing)} on PATH: CI must install node and npm before running the tests.");
        Assert.True(File.Exists(RepositoryPaths.Validator), $"The schema check is not at {RepositoryPaths.Validator} (tests/SchemaCheck in the repository).");

        var (exitCode, output) = await ProcessRunner.RunAsync(
            "bash", [RepositoryPaths.Validator, library.FirstBuildManifests], RepositoryPaths.Root, TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, $"validate-manifests exited with {exitCode}:\n{output}");
        Assert.DoesNotContain("INVALID", output, StringComparison.Ordinal);
        Assert.DoesNotContain("UNCHECKED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondBuildWithoutChanges_SkipsTheTarget()
    {
        await BuildSucceedsAsync(); // whatever the tests before left, settle
        var stampWritten = File.GetLastWriteTimeUtc(library.StampPath);
        var manifestWritten = File.GetLastWriteTimeUtc(Path.Combine(library.ManifestsDirectory, "shrink.yaml"));

        var log = await BuildSucceedsAsync();

        Assert.True(log.Contains($"Skipping target \"{EmitTarget}\" because all output files are up-to-date", StringComparison.Ordinal), log);
        Assert.DoesNotContain("Hoist.ManifestTool.dll\" --assembly", log, StringComparison.Ordinal);
        Assert.Equal(stampWritten, File.GetLastWriteTimeUtc(library.StampPath));
        Assert.Equal(manifestWritten, File.GetLastWriteTimeUtc(Path.Combine(library.ManifestsDirectory, "shrink.yaml")));
    }

    [Fact]
    public async Task DeletedManifest_IsWrittenAgain()
    {
        await BuildSucceedsAsync();
        File.Delete(Path.Combine(library.ManifestsDirectory, "scorer.yaml"));

        await BuildSucceedsAsync();

        Assert.Equal(Render(Scorer, BuildDefaults), File.ReadAllText(Path.Combine(library.ManifestsDirectory, "scorer.yaml")));
    }

    [Fact]
    public async Task EmitSwitchedOff_WritesNothing()
    {
        var elsewhere = Path.Combine(Path.GetTempPath(), "hoist-off-" + Guid.NewGuid().ToString("N"));

        var log = await BuildSucceedsAsync("HoistEmitManifests=false", $"HoistManifestsDir={elsewhere}/");

        Assert.False(Directory.Exists(elsewhere), "HoistEmitManifests=false still wrote manifests.");
        Assert.DoesNotContain(EmitTarget + ":", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DesignTimeBuild_WritesNothing()
    {
        var elsewhere = Path.Combine(Path.GetTempPath(), "hoist-design-time-" + Guid.NewGuid().ToString("N"));

        var log = await BuildSucceedsAsync("DesignTimeBuild=true", $"HoistManifestsDir={elsewhere}/");

        Assert.False(Directory.Exists(elsewhere), "A design-time build wrote manifests.");
        Assert.DoesNotContain(EmitTarget + ":", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppSettingsOverrides_AndBuildProperties_LandInTheManifests()
    {
        var output = Path.Combine(Path.GetTempPath(), "hoist-configured-" + Guid.NewGuid().ToString("N"));
        var appSettings = Path.Combine(library.ProjectDirectory, "appsettings.json");
        File.WriteAllText(appSettings, """
            {
              // Deploy-time overrides, as the backends apply them; the build renders them too.
              "Hoist": { "Services": { "scorer": { "MaxScale": 7, "Memory": "2Gi" } } }
            }
            """);
        try
        {
            await BuildSucceedsAsync($"HoistManifestsDir={output}/", "HoistImage=registry.example/lib:2.0", "HoistNamespace=ml");

            var options = BuildDefaults with { Image = "registry.example/lib:2.0", Namespace = "ml" };
            var scorer = new ServiceOverrides { MaxScale = 7, Memory = "2Gi" }.ApplyTo(Scorer);
            Assert.Equal(Render(scorer, options), File.ReadAllText(Path.Combine(output, "scorer.yaml")));
            Assert.Equal(Render(Shrink, options), File.ReadAllText(Path.Combine(output, "shrink.yaml")));
            Assert.Contains("autoscaling.knative.dev/max-scale: \"7\"", File.ReadAllText(Path.Combine(output, "scorer.yaml")), StringComparison.Ordinal);

            // A library keeps its settings to itself: a copy would land in the output of every app that references it.
            Assert.False(File.Exists(Path.Combine(library.OutputDirectory, "appsettings.json")), "A class library's appsettings.json was copied to its output.");
        }
        finally
        {
            File.Delete(appSettings);
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task OverrideOfAServiceTheLibraryDoesNotDeclare_IsAWarning()
    {
        var appSettings = Path.Combine(library.ProjectDirectory, "appsettings.json");
        File.WriteAllText(appSettings, """{ "Hoist": { "Services": { "socrer": { "MaxScale": 7 } } } }""");
        try
        {
            var (exitCode, log) = await library.BuildAsync("TreatWarningsAsErrors=false", "MSBuildTreatWarningsAsErrors=false");

            Assert.True(exitCode == 0, log);
            Assert.Contains("warning HOIST103: Hoist:Services:socrer overrides a service that ServiceLibrary.dll does not declare", log, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(appSettings);
        }
    }

    [Fact]
    public async Task FailedEmit_ReportsEachDiagnosticAlone_FailsTheBuild_AndLeavesNoStaleManifests()
    {
        await BuildSucceedsAsync();
        Assert.True(File.Exists(Path.Combine(library.ManifestsDirectory, "scorer.yaml")));
        var appSettings = Path.Combine(library.ProjectDirectory, "appsettings.json");
        File.WriteAllText(appSettings, """{ "Hoist": { "Services": { "scorer": { "Image": "not an image!!", "Window": "abc" } } } }""");
        try
        {
            var (exitCode, log) = await library.BuildAsync();

            Assert.True(exitCode != 0, "The build succeeded although the emit refused the settings:\n" + log);
            Assert.Contains($"{appSettings} : error HOIST030: Hoist:Services:scorer:Image = \"not an image!!\" is not an image reference", log, StringComparison.Ordinal);
            Assert.Contains($"{appSettings} : error HOIST009: Hoist:Services:scorer:Window = \"abc\" is not allowed", log, StringComparison.Ordinal);
            Assert.DoesNotContain("MSB3073", log, StringComparison.Ordinal);
            Assert.DoesNotContain("MSB4181", log, StringComparison.Ordinal);
            Assert.DoesNotContain("HOIST105", log, StringComparison.Ordinal);
            Assert.Contains("2 Error(s)", log, StringComparison.Ordinal);

            // Nothing of the last good build is left to be applied by mistake, and nothing is written that says so.
            Assert.Empty(Directory.Exists(library.ManifestsDirectory) ? Directory.GetFiles(library.ManifestsDirectory) : []);
            Assert.False(File.Exists(library.StampPath), "The stamp of the last good emit survived a failed one.");
        }
        finally
        {
            File.Delete(appSettings);
        }

        // Fixed, the next build writes them again.
        await BuildSucceedsAsync();
        Assert.Equal(Render(Scorer, BuildDefaults), File.ReadAllText(Path.Combine(library.ManifestsDirectory, "scorer.yaml")));
    }

    [Fact]
    public async Task PodTemplate_IsMergedIntoEveryPod_AndOneSettingFieldsHoistOwns_FailsTheBuild_NamingEachAndTheFile()
    {
        var appSettings = Path.Combine(library.ProjectDirectory, "appsettings.json");
        var template = Path.Combine(library.ProjectDirectory, "pod-template.yaml");
        File.WriteAllText(appSettings, """{ "Hoist": { "Kubernetes": { "PodTemplate": "pod-template.yaml" } } }""");
        File.WriteAllText(template, "tolerations:\n- key: team\n  operator: Exists\n");
        try
        {
            await BuildSucceedsAsync();
            var options = BuildDefaults with { PodTemplate = PodTemplate.Load(template, null) };
            Assert.Equal(Render(Shrink, options), File.ReadAllText(Path.Combine(library.ManifestsDirectory, "shrink.yaml")));
            Assert.Contains("key: team", File.ReadAllText(Path.Combine(library.ManifestsDirectory, "scorer.yaml")), StringComparison.Ordinal);

            File.WriteAllText(template, "restartPolicy: Never\ncontainers:\n- image: busybox\n");
            var (exitCode, log) = await library.BuildAsync();

            Assert.True(exitCode != 0, "The build succeeded although the pod template sets fields Hoist owns:\n" + log);
            Assert.Contains($"{template} : error HOIST051: Hoist:Kubernetes:PodTemplate {template} sets restartPolicy, which Hoist owns", log, StringComparison.Ordinal);
            Assert.Contains($"{template} : error HOIST051: Hoist:Kubernetes:PodTemplate {template} sets containers[0].image, which Hoist owns", log, StringComparison.Ordinal);
            Assert.DoesNotContain("HOIST105", log, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(appSettings);
            File.Delete(template);
        }
    }

    [Fact]
    public async Task ToolThatFailsWithoutADiagnostic_IsHOIST105_WithItsOutput()
    {
        await BuildSucceedsAsync();
        var notATool = Path.Combine(library.ProjectDirectory, "Services.cs");

        var (exitCode, log) = await library.BuildAsync($"HoistManifestToolPath={notATool}");

        Assert.True(exitCode != 0, "The build succeeded although the tool failed:\n" + log);
        Assert.Contains("error HOIST105: Hoist.ManifestTool exited with code", log, StringComparison.Ordinal);
        Assert.DoesNotContain("MSB3073", log, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(library.ManifestsDirectory, "scorer.yaml")), "A failed emit left the last good build's manifests.");

        await BuildSucceedsAsync();
    }

    private static string Render(ServiceDescriptor descriptor, ManifestOptions options) =>
        ManifestYaml.Serialize(ManifestRenderer.Render(descriptor, options));

    private async Task<string> BuildSucceedsAsync(params string[] properties)
    {
        var (exitCode, log) = await library.BuildAsync(properties);
        Assert.True(exitCode == 0, $"dotnet build failed ({exitCode}):\n{log}");
        return log;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}

using Hoist.Dispatch;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;
using Hoist.Configuration;

namespace Hoist.Generators.Tests;

/// <summary>
/// The settings rules agree between the two places a value enters: one table of bad values drives both the
/// generator (a diagnostic at the attribute) and a configuration override of the same service (refused at
/// start-up), and both give the same ID. The service the override targets is the generator's own descriptor.
/// </summary>
public sealed class SettingsParityTests
{
    /// <summary>A valid service's attributes, the setting to break, its value in C# and in configuration, and the rule's ID.</summary>
    public static readonly TheoryData<string, string, string, string, string> BadValues = new()
    {
        { "[Autoscale(Window = \"6s\")]", "TargetUtilization", "0", "0", "HOIST003" },
        { "[Autoscale(Window = \"6s\")]", "TargetUtilization", "150", "150", "HOIST003" },
        { "[Autoscale(Window = \"6s\")]", "Target", "0", "0", "HOIST004" },
        { "[Autoscale(Window = \"6s\")]", "Target", "0.001", "0.001", "HOIST004" },
        { "[Autoscale]", "Window", "\"abc\"", "abc", "HOIST009" },
        { "[Autoscale]", "Window", "\"5s\"", "5s", "HOIST009" },
        { "[Autoscale]", "Window", "\"6500ms\"", "6500ms", "HOIST009" },
        { "[Autoscale]", "Window", "\"60\"", "60", "HOIST009" },
        { "[Autoscale]", "Metric", "\"foo\"", "foo", "HOIST002" },
        { "[Autoscale]", "MinScale", "-1", "-1", "HOIST008" },
        { "[Autoscale]", "MaxScale", "-1", "-1", "HOIST008" },
        { "[Autoscale]", "InitialScale", "-1", "-1", "HOIST008" },
        { "[Autoscale]", "ScaleToZeroGracePeriod", "-1", "-1", "HOIST008" },
        { "[Autoscale]", "ContainerConcurrency", "-1", "-1", "HOIST050" },
        { "[Autoscale]", "ContainerConcurrency", "1001", "1001", "HOIST050" },
        { "[Autoscale]", "ScaleDownDelay", "\"2h\"", "2h", "HOIST009" },
        { "[Autoscale]", "ScaleDownDelay", "\"1500ms\"", "1500ms", "HOIST009" },
        { "[Autoscale]", "ScaleDownDelay", "\"5\"", "5", "HOIST009" },
        { "[Autoscale(MaxScale = 3)]", "MinScale", "5", "5", "HOIST007" },
        { "[Autoscale(MaxScale = 3)]", "InitialScale", "4", "4", "HOIST007" },
        { "[Autoscale]", "InitialScale", "0", "0", "HOIST007" },
        { "[Autoscale]", "ScaleToZeroGracePeriod", "3601", "3601", "HOIST007" },
        { "[Compute]", "InactivityTtl", "\"soon\"", "soon", "HOIST009" },
        { "[Compute]", "InactivityTtl", "\"0s\"", "0s", "HOIST009" },
        { "[Compute]", "Memory", "\"12GB\"", "12GB", "HOIST010" },
        { "[Compute]", "Disk", "\"lots\"", "lots", "HOIST010" },
        { "[Compute]", "Gpus", "-1", "-1", "HOIST011" },
        { "[Compute]", "Cpus", "-0.5", "-0.5", "HOIST011" },
        { "[Compute]", "LaunchTimeout", "0", "0", "HOIST011" },
        { "[Compute]", "Namespace", "\"-ml\"", "-ml", "HOIST012" },
        { "[Compute]", "Image", "\" \"", " ", "HOIST030" },
        { "[Compute]", "Image", "\"not an image!!\"", "not an image!!", "HOIST030" },
        { "[Compute]", "Image", "\"Docker.io/Library/Ubuntu\"", "Docker.io/Library/Ubuntu", "HOIST030" },
        { "[Compute]", "Image", "\"ubuntu:24.04@sha1:00\"", "ubuntu:24.04@sha1:00", "HOIST030" },
        { "[Distribute(\"pytorch\", Workers = 2)]", "Workers", "0", "0", "HOIST005" },
        { "[Compute(Gpus = 1)]", "GpuType", "\"A100 80GB\"", "A100 80GB", "HOIST040" },
        { "[Compute]", "GpuType", "\"NVIDIA-A100-SXM4-80GB\"", "NVIDIA-A100-SXM4-80GB", "HOIST044" },
        { "[Compute]", "SharedMemory", "\"16GB\"", "16GB", "HOIST010" },
        { "[Compute]", "NodeSelector", "\"disktype\"", "disktype", "HOIST041" },
        { "[Compute]", "Tolerations", "\"dedicated=ml:Never\"", "dedicated=ml:Never", "HOIST042" },
        { "[Compute]", "ServiceAccount", "\"Trainer_SA\"", "Trainer_SA", "HOIST047" },
        { "[Compute]", "ImagePullSecrets", "\"ghcr-pull,ghcr-pull\"", "ghcr-pull,ghcr-pull", "HOIST047" },
        { "[Compute]", "ImagePullSecrets", "\"ghcr-pull,\"", "ghcr-pull,", "HOIST047" },
        { "[Compute]", "PriorityClass", "\"High Priority\"", "High Priority", "HOIST047" },
        { "[Compute]", "Labels", "\"team=ml,app.kubernetes.io/name=x\"", "team=ml,app.kubernetes.io/name=x", "HOIST048" },
        { "[Compute]", "Labels", "\"team=machine learning\"", "team=machine learning", "HOIST048" },
        { "[Compute]", "Labels", "\"serving.knative.dev/service=x\"", "serving.knative.dev/service=x", "HOIST048" },
        { "[Compute]", "Annotations", "\"autoscaling.knative.dev/min-scale=3\"", "autoscaling.knative.dev/min-scale=3", "HOIST048" },
        { "[Compute]", "Annotations", "\"hoist.dev/freeze=false\"", "hoist.dev/freeze=false", "HOIST048" },
        { "[Compute]", "Annotations", "\"owner\"", "owner", "HOIST048" },
        { "[Compute]", "Labels", "\"kueue.x-k8s.io/queue-name=team-ml\"", "kueue.x-k8s.io/queue-name=team-ml", "HOIST048" },
        { "[Compute]", "Queue", "\"Team.ML\"", "Team.ML", "HOIST047" },
    };

    /// <summary>A [Setup] or [Volume] with a bad value, the same value as an override of a valid service, and the rule's ID.</summary>
    public static readonly TheoryData<string, string, string, string> BadListValues = new()
    {
        { "[Setup(\" \")]", "Setup:0", " ", "HOIST036" },
        { "[Volume(\"models\", \"models\")]", "Volumes:models:Path", "models", "HOIST038" },
        { "[Volume(\"models\", \"/models\", Size = \"100GB\")]", "Volumes:models:Size", "100GB", "HOIST010" },
        { "[Volume(\"models\", \"/models\", StorageClass = \"Fast\")]", "Volumes:models:StorageClass", "Fast", "HOIST045" },
        { "[Volume(\"models\", \"/models\")][Volume(\"cache\", \"/models\")]", "Volumes:cache:Path", "/models", "HOIST039" },
    };

    [Theory]
    [MemberData(nameof(BadListValues))]
    public void EverySetupOrVolumeTheGeneratorRefuses_IsRefusedAsAnOverride(string invalid, string key, string configured, string id)
    {
        var name = "parity-" + Interlocked.Increment(ref s_services);
        var refused = GeneratorHarness.Run(Service("[Compute]" + invalid, name));
        Assert.Contains(refused.Diagnostics, d => d.Id == id);

        var declared = Descriptor(GeneratorHarness.Run(Service("[Compute][Volume(\"models\", \"/models\")]", name)));
        ServiceRegistry.Register(declared, static _ => throw new InvalidOperationException("not served here"));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"Hoist:Services:{name}:{key}"] = configured })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddHoist(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptionsMonitor<Hoist.Configuration.HoistOptions>>().CurrentValue);
        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"Hoist:Services:{name}:{key} = ", failure, StringComparison.Ordinal);
        Assert.EndsWith($"({id})", failure, StringComparison.Ordinal);
    }

    private static int s_services;

    [Theory]
    [MemberData(nameof(BadValues))]
    public void EveryValueTheGeneratorRefuses_IsRefusedAsAnOverride(string valid, string setting, string csharp, string configured, string id)
    {
        var invalid = valid.Contains($"{setting} = ", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Replace(valid, $@"{setting} = [^,)]+", $"{setting} = {csharp}")
            : valid.Contains('(', StringComparison.Ordinal)
                ? valid.Replace(")]", $", {setting} = {csharp})]", StringComparison.Ordinal)
                : valid.Replace("]", $"({setting} = {csharp})]", StringComparison.Ordinal);
        var name = "parity-" + Interlocked.Increment(ref s_services);

        // At compile time: the attribute with the bad value.
        var refused = GeneratorHarness.Run(Service(invalid, name));
        Assert.Contains(refused.Diagnostics, d => d.Id == id);

        // At run time: the valid attribute, as the generator describes it, and the bad value as an override.
        var declared = Descriptor(GeneratorHarness.Run(Service(valid, name)));
        ServiceRegistry.Register(declared, static _ => throw new InvalidOperationException("not served here"));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"Hoist:Services:{name}:{setting}"] = configured })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddHoist(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptionsMonitor<Hoist.Configuration.HoistOptions>>().CurrentValue);
        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"Hoist:Services:{name}:{setting} = ", failure, StringComparison.Ordinal);
        Assert.EndsWith($"({id})", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Autoscale(ScaleToZeroGracePeriod = 60)]", "MinScale", "2")]
    [InlineData("[Autoscale(MinScale = 2)]", "ScaleToZeroGracePeriod", "60")]
    public void AGracePeriodBesideMinScale_IsTheSameWarningBothWays_AndRefusedNeither(string valid, string setting, string configured)
    {
        var name = "parity-" + Interlocked.Increment(ref s_services);

        // At compile time: a warning at MinScale, and the service is generated.
        var warned = GeneratorHarness.Run(Service("[Autoscale(MinScale = 2, ScaleToZeroGracePeriod = 60)]", name));
        var warning = Assert.Single(warned.Diagnostics);
        Assert.Equal(("HOIST046", DiagnosticSeverity.Warning), (warning.Id, warning.Severity));
        Assert.NotEmpty(warned.Sources);

        // At run time: either half as an override of the other is accepted, with the warning's words and ID.
        ServiceRegistry.Register(Descriptor(GeneratorHarness.Run(Service(valid, name))), static _ => throw new InvalidOperationException("not served here"));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"Hoist:Services:{name}:{setting}"] = configured })
            .Build();
        var logs = new Testing.RecordingLoggerProvider();
        using var services = new ServiceCollection().AddLogging(l => l.AddProvider(logs)).AddHoist(configuration).BuildServiceProvider();
        Assert.NotNull(services.GetRequiredService<IOptionsMonitor<Hoist.Configuration.HoistOptions>>().CurrentValue.Services[name]);

        var logged = Assert.Single(logs.Messages, m => m.Contains("HOIST046", StringComparison.Ordinal));
        Assert.Equal(
            $"Hoist configuration: Hoist:Services:{name}:MinScale = 2 {warning.GetMessage(System.Globalization.CultureInfo.InvariantCulture)["MinScale 2 ".Length..]} (HOIST046)",
            logged);
    }

    [Fact]
    public void TheValidServices_PassBothWays()
    {
        foreach (var valid in BadValues.Select(row => (string)row[0]).Distinct())
        {
            var name = "parity-" + Interlocked.Increment(ref s_services);
            var run = GeneratorHarness.Run(Service(valid, name));
            Assert.Empty(run.Diagnostics);
            ServiceRegistry.Register(Descriptor(run), static _ => throw new InvalidOperationException("not served here"));
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { [$"Hoist:Services:{name}:LaunchTimeout"] = "60" })
                .Build();
            using var services = new ServiceCollection().AddLogging().AddHoist(configuration).BuildServiceProvider();
            Assert.Equal(60, services.GetRequiredService<IOptionsMonitor<Hoist.Configuration.HoistOptions>>().CurrentValue.Services[name].LaunchTimeout);
        }
    }

    // The service, named by [Compute(Name)] so that each row registers a service of its own.
    private static string Service(string attributes, string name)
    {
        var named = attributes.StartsWith("[Compute", StringComparison.Ordinal)
            ? attributes.Replace("[Compute]", "[Compute()]", StringComparison.Ordinal).Replace("[Compute(", $"[Compute(Name = \"{name}\", ", StringComparison.Ordinal).Replace(", )", ")", StringComparison.Ordinal)
            : $"[Compute(Name = \"{name}\")]\n    {attributes}";
        return $$"""
            using Hoist;

            namespace MyApp;

            public static partial class Work
            {
                {{named}}
                public static int Run(int value) => value;
            }
            """;
    }

    private static ServiceDescriptor Descriptor(GeneratorRun run)
    {
        Assert.Empty(run.Diagnostics);
        var json = run.Output.Assembly.GetAttributes()
            .Where(a => a.AttributeClass?.ToDisplayString() == "Hoist.HoistServiceDescriptorAttribute")
            .Select(a => (string)a.ConstructorArguments.Single().Value!)
            .Single();
        return ServiceDescriptorJson.Deserialize(json);
    }
}

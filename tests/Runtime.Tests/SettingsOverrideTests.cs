using Hoist.Autoscaling;
using Hoist.Client;
using Hoist.Dispatch;
using Hoist.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Hoist.Testing;
using Hoist.Configuration;
using Hoist.Manifests;

namespace Hoist.Runtime.Tests;

/// <summary>
/// A configuration override meets the settings rules: refused at start-up with the key, the value and what is
/// allowed; refused on a live reload while the last good settings stay; checked when a late service is described.
/// </summary>
public sealed class SettingsOverrideTests
{
    // The issue's service: [Autoscale(Target = 100, MaxScale = 6, Window = "6s")].
    private static readonly ServiceDescriptor Work = Register(new ServiceDescriptor
    {
        Name = "settings-work",
        Kind = ServiceKind.Method,
        DeclaringType = "App.Work",
        AssemblyName = "App",
        Methods = ["Run"],
        Autoscale = new AutoscaleSpec { Target = 100, MaxScale = 6, Window = "6s" },
    });

    [Theory]
    [InlineData("TargetUtilization", "0", "use a percentage from 1 to 100 (HOIST003)")]
    [InlineData("Target", "0", "use a number greater than 0 (Knative's minimum is 0.01) (HOIST004)")]
    [InlineData("Window", "abc", "in whole seconds from 6s to 1h, for example \"60s\" or \"2m\" (HOIST009)")]
    public async Task StartUp_RefusesABadOverride_NamingServiceKeyValueAndWhatIsAllowed(string setting, string value, string allowed)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"Hoist:Services:{Work.Name}:{setting}"] = value });
        builder.AddHoist();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"Hoist:Services:settings-work:{setting} = {(setting == "Window" ? $"\"{value}\"" : value)} ", failure, StringComparison.Ordinal);
        Assert.EndsWith(allowed, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void StartUp_RefusesAKeyHoistDoesNotKnow_NamingTheServiceAndTheKeyItProbablyMeant()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [$"Hoist:Services:{Work.Name}:MaxScal"] = "6" }).CurrentValue);

        Assert.Equal("Hoist:Services:settings-work:MaxScal is not a setting of service 'settings-work': did you mean MaxScale?", Assert.Single(error.Failures));
    }

    [Fact]
    public void StartUp_RefusesAnUnknownKeyOutsideServices_ListingTheKnownOnes()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { ["Hoist:Local:Zzz"] = "1" }).CurrentValue);

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("Hoist:Local:Zzz is not a setting of Hoist:Local. Known: ActivatorQueueLimit, KeepWarm,", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("00:00:30", 30_000)]
    public void Durations_TakeTheAttributesGrammar_AndTimeSpansOwn(string value, int milliseconds)
    {
        var options = Resolve(new() { [$"Hoist:Services:{Work.Name}:CallTimeout"] = value, ["Hoist:Local:StopTimeout"] = value }).CurrentValue;

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.Services[Work.Name].CallTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.Local.StopTimeout);
    }

    [Fact]
    public void StartUp_RefusesAValueThatIsNotADuration_SayingWhatIs()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [$"Hoist:Services:{Work.Name}:CallTimeout"] = "soon" }).CurrentValue);

        Assert.Equal(
            "Hoist:Services:settings-work:CallTimeout is \"soon\", which is not a duration: use a Go-style duration such as \"60s\", \"1m30s\", \"1.5h\" or \"500ms\" (units h, m, s, ms).",
            Assert.Single(error.Failures));
    }

    [Fact]
    public async Task HoistApplication_RefusesAnOverrideForAServiceTheAppDoesNotHave()
    {
        var error = await Assert.ThrowsAsync<HoistConfigurationException>(() => HoistApplication.StartAsync(
            [],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Hoist:Services:settings-wrok:MaxScale"] = "3" });
                builder.AddHoist();
            }));

        Assert.Equal("Hoist:Services:settings-wrok overrides service 'settings-wrok', which this app does not have: did you mean settings-work?", Assert.Single(error.Failures));
        Assert.StartsWith("Invalid Hoist configuration: Hoist:Services:settings-wrok overrides", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartUp_RefusesAnEnvOverrideOfAVariableHoistSets()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [$"Hoist:Services:{Work.Name}:Env:MASTER_ADDR"] = "10.0.0.1" }).CurrentValue);

        Assert.StartsWith($"Hoist:Services:{Work.Name}:Env = \"MASTER_ADDR\" is set by Hoist itself", Assert.Single(refused.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void SecretsForTheLocalBackend_AreAKnownSection_ByNameThenKey()
    {
        var secrets = Resolve(new() { ["Hoist:Secrets:huggingface:token"] = "not-a-real-token" }).CurrentValue.Secrets;

        Assert.Equal("not-a-real-token", secrets["HuggingFace"]["token"]);
    }

    [Fact]
    public void AnOverrideOfAServiceNotLoadedYet_IsCheckedValueByValue()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => Resolve(new() { ["Hoist:Services:not-loaded-yet:Window"] = "abc" }).CurrentValue);
        Assert.StartsWith("Hoist:Services:not-loaded-yet:Window = \"abc\" is not allowed", Assert.Single(refused.Failures), StringComparison.Ordinal);

        // A rule between two settings needs the service's attributes: judged once it registers (below).
        Assert.Equal(0, Resolve(new() { ["Hoist:Services:not-loaded-yet:InitialScale"] = "0" }).CurrentValue.Services["not-loaded-yet"].InitialScale);
    }

    [Fact]
    public void AServiceRegisteredAfterStartUp_IsCheckedWhenDescribed()
    {
        var monitor = Resolve(new() { ["Hoist:Services:settings-late:MinScale"] = "7" });
        Register(Work with { Name = "settings-late" });

        var error = Assert.Throws<ServiceSettingsException>(() => new ServiceCatalog(monitor).Describe("settings-late"));

        Assert.Equal("settings-late", error.Service);
        Assert.Equal(
            "Hoist:Services:settings-late:MinScale = 7 is above MaxScale 6: MinScale must be at most MaxScale (MaxScale 0 means no limit) (HOIST007)",
            Assert.Single(error.Problems));
    }

    [Fact]
    public void LiveReload_ThatBreaksARule_IsRefused_AndTheLastGoodSettingsStay()
    {
        using var settings = new SettingsFile("\"MaxScale\": 4");
        var monitor = settings.Services.GetRequiredService<IOptionsMonitor<HoistOptions>>();
        var catalog = settings.Services.GetRequiredService<ServiceCatalog>();
        Assert.Equal(4, catalog.Describe(Work.Name).Autoscale!.MaxScale);

        settings.Reload("\"MaxScale\": 5, \"TargetUtilization\": 0");

        Assert.Equal(4, monitor.CurrentValue.Services[Work.Name].MaxScale);
        Assert.Equal(4, catalog.Describe(Work.Name).Autoscale!.MaxScale);
        // (IConfigurationRoot.Reload raises the change twice: once for the file, once for the root.)
        var refusal = settings.Logs.Messages.First(m => m.Contains("Refused a reload", StringComparison.Ordinal));
        Assert.Contains("Hoist:Services:settings-work:TargetUtilization = 0 is out of range", refusal, StringComparison.Ordinal);

        // A good reload after it takes effect, and tells its listeners.
        var heard = 0;
        using var listening = monitor.OnChange((_, _) => heard++);
        settings.Reload("\"MaxScale\": 6, \"TargetUtilization\": 50");

        Assert.Equal(6, catalog.Describe(Work.Name).Autoscale!.MaxScale);
        Assert.Equal(50, catalog.Describe(Work.Name).Autoscale!.TargetUtilization);
        Assert.True(heard >= 1, "The listeners heard nothing of a good reload.");
    }

    [Fact]
    public void AnOverrideThatAGracePeriodMakesMoot_IsAcceptedWithTheCompilersWarning_AtStartUpAndOnReload()
    {
        // HOIST046: MinScale = 2 beside a grace period does nothing (the grace period turns scale to zero on).
        using var settings = new SettingsFile("\"MinScale\": 2, \"ScaleToZeroGracePeriod\": 60");
        var catalog = settings.Services.GetRequiredService<ServiceCatalog>();

        Assert.Equal(2, catalog.Describe(Work.Name).Autoscale!.MinScale);
        Assert.Equal(0, ScalingPolicy.From(catalog.Describe(Work.Name).Autoscale!).MinScale);
        Assert.Contains(
            "Hoist configuration: Hoist:Services:settings-work:MinScale = 2 is ignored because ScaleToZeroGracePeriod 60 turns scale to zero on: "
            + "the grace period overrides MinScale; remove one (MinScale to scale to zero, ScaleToZeroGracePeriod to keep MinScale replicas) (HOIST046)",
            settings.Logs.Messages);

        // Removing one of the two settles it: the next reload warns of nothing.
        var warned = settings.Logs.Messages.Count;
        settings.Reload("\"ScaleToZeroGracePeriod\": 60");
        Assert.DoesNotContain(settings.Logs.Messages.Skip(warned), m => m.Contains("HOIST046", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(".5h", 1800)]
    [InlineData("1.5h", 5400)]
    [InlineData("90s", 90)]
    public void InactivityTtl_ThatCompiles_IsReadTheSameAtRunTime(string ttl, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), GoDuration.Parse(ttl, "InactivityTtl"));
        Assert.Equal(TimeSpan.FromSeconds(seconds), Manifests.InactivityPolicy.Ttl(ttl));
        Assert.Empty(ServiceSettings.Validate(Work with { Compute = new ComputeSpec { InactivityTtl = ttl } }));
    }

    private static string Settings(string work) => $$"""{ "Hoist": { "Services": { "{{Work.Name}}": { {{work}} } } } }""";

    private static IOptionsMonitor<HoistOptions> Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddHoist(configuration).BuildServiceProvider().GetRequiredService<IOptionsMonitor<HoistOptions>>();
    }

    private static ServiceDescriptor Register(ServiceDescriptor descriptor)
    {
        ServiceRegistry.Register(descriptor, static _ => throw new InvalidOperationException("not served in these tests"));
        return descriptor;
    }

    /// <summary>The app's appsettings.json with the work service's overrides, read by Hoist, logged, and reloadable.</summary>
    private sealed class SettingsFile : IDisposable
    {
        private readonly TemporaryFolder _directory = new();
        private readonly string _file;
        private readonly IConfigurationRoot _configuration;

        public SettingsFile(string work)
        {
            _file = Path.Combine(_directory.Path, "appsettings.json");
            File.WriteAllText(_file, Settings(work));
            _configuration = new ConfigurationBuilder().AddJsonFile(_file, optional: false, reloadOnChange: false).Build();
            Services = new ServiceCollection().AddLogging(l => l.AddProvider(Logs)).AddHoist(_configuration).BuildServiceProvider();
        }

        public RecordingLoggerProvider Logs { get; } = new();

        public ServiceProvider Services { get; }

        public void Reload(string work)
        {
            File.WriteAllText(_file, Settings(work));
            _configuration.Reload();
        }

        public void Dispose()
        {
            Services.Dispose();
            _directory.Dispose();
        }
    }

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("hoist-settings-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

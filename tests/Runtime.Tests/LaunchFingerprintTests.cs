using System.Text.Json;
using Hoist.Backends.Local;
using Hoist.Hosting;
using Hoist.Configuration;

namespace Hoist.Runtime.Tests;

/// <summary>A warm worker's launch, digested: which setting changed is known by name, and no value is ever kept.</summary>
public sealed class LaunchFingerprintTests
{
    private const string Runtime = "Hoist 1.0.0+abc; .NET 10.0.0";
    private const string SecretValue = "hf_rotate-me-8812";

    private static readonly ServiceDescriptor Service = new()
    {
        Name = "see",
        Kind = ServiceKind.Class,
        DeclaringType = "App.See",
        AssemblyName = "App",
        Methods = ["Which"],
        Environment = [new EnvironmentVariableSpec { Name = "GREETING", Value = "hello" }],
        Secrets = [new SecretSpec { Name = "demo", Key = "TOKEN", Variable = "DEMO_TOKEN" }, new SecretSpec { Name = "wandb" }],
        Setup = ["pip install vllm"],
        Volumes = [new VolumeSpec { Name = "models", Path = "/models" }],
    };

    private static HoistOptions Options(string token = SecretValue)
    {
        var options = new HoistOptions();
        options.Local.VolumesFolder = "/data/volumes";
        options.Secrets["demo"] = new() { ["TOKEN"] = token };
        options.Secrets["wandb"] = new() { ["WANDB_API_KEY"] = "w1" };
        return options;
    }

    private static readonly Dictionary<string, string> Inherited = new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317", ["PATH"] = "/usr/bin" };

    private static LaunchSettings Launch(ServiceDescriptor? service = null, HoistOptions? options = null, Dictionary<string, string>? inherited = null, int gpus = 0, string? runtime = Runtime) =>
        LaunchSettings.For(service ?? Service, options ?? Options(), inherited ?? Inherited, () => gpus, runtime);

    [Fact]
    public void TheSameLaunch_ChangesNothing_WhateverTheRecordsKey()
    {
        var recorded = Launch().Fingerprint();

        Assert.Empty(Launch().ChangedSince(recorded));
        Assert.Empty(Launch(inherited: new(Inherited) { ["PATH"] = "/elsewhere" }).ChangedSince(recorded));
        Assert.NotEqual(recorded.Salt, Launch().Fingerprint().Salt);
    }

    [Fact]
    public void EachChangedSetting_IsNamed_AsAUserWouldChangeIt()
    {
        var recorded = Launch().Fingerprint();
        var overridden = new HoistOptions { Token = "configured" };
        overridden.Local.VolumesFolder = "/data/volumes";
        overridden.Secrets = Options().Secrets;

        Assert.Equal(["secret demo"], Launch(options: Options("rotated")).ChangedSince(recorded));
        Assert.Equal(["environment GREETING"], Launch(Service with { Environment = [new EnvironmentVariableSpec { Name = "GREETING", Value = "bonjour" }] }).ChangedSince(recorded));
        Assert.Equal(["environment OTEL_EXPORTER_OTLP_ENDPOINT"], Launch(inherited: new(Inherited) { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://other:4317" }).ChangedSince(recorded));
        Assert.Equal(["environment OTEL_EXPORTER_OTLP_HEADERS"], Launch(inherited: new(Inherited) { ["OTEL_EXPORTER_OTLP_HEADERS"] = "a=b" }).ChangedSince(recorded));
        Assert.Equal(["setup steps"], Launch(Service with { Setup = ["pip install vllm==0.6.0"] }).ChangedSince(recorded));
        Assert.Empty(Launch(gpus: 2).ChangedSince(recorded));
        var gpuService = Service with { Compute = Service.Compute with { Gpus = 1 } };
        Assert.Equal(["GPU visibility"], Launch(gpuService, gpus: 2).ChangedSince(Launch(gpuService, gpus: 1).Fingerprint()));
        Assert.Equal(["GPU visibility"], Launch(inherited: new(Inherited) { ["CUDA_VISIBLE_DEVICES"] = "1" }).ChangedSince(recorded));
        Assert.Equal(["setting Hoist:Token"], Launch(options: overridden).ChangedSince(recorded));
        Assert.Equal(["setting Hoist:Services:see:Freeze"], Launch(Service with { Compute = Service.Compute with { Freeze = true } }).ChangedSince(recorded));
        Assert.Equal(["runtime"], Launch(runtime: "Hoist 1.0.1; .NET 10.0.1").ChangedSince(recorded));
        Assert.Equal(
            ["environment GREETING", "secret demo"],
            Launch(Service with { Environment = [] }, Options("rotated")).ChangedSince(recorded));
    }

    [Fact]
    public void AVolumeFolderMoved_IsNamed()
    {
        var recorded = Launch().Fingerprint();
        var moved = Options();
        moved.Local.VolumesFolder = "/mnt/fast";

        Assert.Equal(["volume models"], Launch(options: moved).ChangedSince(recorded));
    }

    [Fact]
    public void TheRecord_KeepsNoValue_InClear()
    {
        var json = JsonSerializer.Serialize(Launch().Fingerprint());

        Assert.DoesNotContain(SecretValue, json, StringComparison.Ordinal);
        Assert.DoesNotContain("hello", json, StringComparison.Ordinal);
        Assert.DoesNotContain("collector", json, StringComparison.Ordinal);
        Assert.DoesNotContain("pip install", json, StringComparison.Ordinal);
        Assert.Contains("secret demo", json, StringComparison.Ordinal);
    }

    [Fact]
    public void WhatThisProcessCannotResolve_IsNeverReportedAsChanged()
    {
        var recorded = Launch().Fingerprint();
        var withoutSecrets = Options();
        withoutSecrets.Secrets.Clear();

        var cli = Launch(options: withoutSecrets, runtime: null);

        Assert.Empty(cli.ChangedSince(recorded));
        Assert.Equal(["runtime", "secret demo", "secret wandb"], cli.Unknown);
    }

    [Fact]
    public void ARecordWithoutAFingerprint_IsAChangedLaunch()
    {
        Assert.Equal([LaunchSettings.Unrecorded], Launch().ChangedSince(null));
        Assert.Equal([LaunchSettings.Unrecorded], Launch().ChangedSince(new LaunchFingerprint("not hex", new Dictionary<string, string>())));
    }

    [Fact]
    public void Changes_ReadAsOnePhrase()
    {
        Assert.Equal("secret demo", LaunchSettings.Describe(["secret demo"]));
        Assert.Equal("secret demo and setup steps", LaunchSettings.Describe(["secret demo", "setup steps"]));
        Assert.Equal("a, b and c", LaunchSettings.Describe(["a", "b", "c"]));
    }
}

namespace Hoist.Runtime.Tests.Worker;

/// <summary>Which edits a running worker can take as a code sync, and which change what it was launched with.</summary>
public sealed class LaunchAttributesTests
{
    private static readonly ServiceDescriptor s_launched = new()
    {
        Name = "embed",
        Kind = ServiceKind.Method,
        DeclaringType = "App.Embeddings",
        AssemblyName = "App",
        Methods = ["Embed"],
        Compute = new ComputeSpec { Cpus = 1, InactivityTtl = "10m" },
        Distribution = new DistributionSpec { Type = "pytorch", Workers = 2 },
        Environment = [new EnvironmentVariableSpec { Name = "HF_HOME", Value = "/models" }],
        Setup = ["pip install torch"],
    };

    [Fact]
    public void ABodyOrMethodChange_OrAnEqualCopy_ChangesNoLaunchSetting()
    {
        var next = s_launched with
        {
            Methods = ["Embed", "Status"],
            Compute = new ComputeSpec { Cpus = 1, InactivityTtl = "10m" },
            Environment = [new EnvironmentVariableSpec { Name = "HF_HOME", Value = "/models" }],
            Setup = ["pip install torch"],
            Autoscale = new AutoscaleSpec { MaxScale = 4 },
        };

        Assert.Empty(LaunchAttributes.Changes(s_launched, next));
    }

    [Fact]
    public void ANewEnv_AWorkersCount_AndASetupStep_AreEachNamed()
    {
        var next = s_launched with
        {
            Distribution = new DistributionSpec { Type = "pytorch", Workers = 4 },
            Environment = [.. s_launched.Environment, new EnvironmentVariableSpec { Name = "MODE", Value = "fast" }],
            Setup = ["pip install torch", "pip install vllm"],
        };

        Assert.Equal(["[Distribute] Workers 2 -> 4", "[Env]", "[Setup]"], LaunchAttributes.Changes(s_launched, next));
    }

    [Fact]
    public void AComputeValue_ASecretOrAVolume_IsALaunchSetting()
    {
        var next = s_launched with
        {
            Compute = s_launched.Compute with { Freeze = true },
            Secrets = [new SecretSpec { Name = "huggingface" }],
            Volumes = [new VolumeSpec { Name = "models", Path = "/models" }],
        };

        Assert.Equal(["[Compute]", "[Secret]", "[Volume]"], LaunchAttributes.Changes(s_launched, next));
    }
}

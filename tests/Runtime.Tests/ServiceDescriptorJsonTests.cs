using System.Text.Json;

namespace Hoist.Runtime.Tests;

public sealed class ServiceDescriptorJsonTests
{
    internal static readonly ServiceDescriptor Embed = new()
    {
        Name = "embed",
        Kind = ServiceKind.Method,
        DeclaringType = "App.Embeddings",
        AssemblyName = "App",
        Methods = ["Embed"],
        Compute = new ComputeSpec { Gpus = 1, Cpus = 3, Memory = "12Gi", InactivityTtl = "24h", LaunchTimeout = 60 },
        Autoscale = new AutoscaleSpec { Target = 8, MaxScale = 10, ScaleToZeroGracePeriod = 300 },
    };

    internal static readonly ServiceDescriptor Trainer = new()
    {
        Name = "trainer",
        Kind = ServiceKind.Class,
        DeclaringType = "App.Outer+Trainer",
        AssemblyName = "App",
        Methods = ["Train", "Evaluate"],
        Compute = new ComputeSpec { Cpus = 0.5, Disk = "50Gi", Image = "nvcr.io/nvidia/pytorch:23.10-py3", Freeze = true, Namespace = "ml" },
        Distribution = new DistributionSpec { Type = "pytorch", Workers = 4 },
        Environment = [new EnvironmentVariableSpec { Name = "NCCL_DEBUG", Value = "INFO" }],
        Secrets = [new SecretSpec { Name = "wandb" }, new SecretSpec { Name = "huggingface", Key = "token", Variable = "HF_TOKEN" }],
        Setup = ["pip install vllm", "apt-get install -y ffmpeg"],
        Volumes = [new VolumeSpec { Name = "models", Path = "/models", Size = "100Gi" }],
        WireContracts = [new WireContract("Train", 0xF5738253BADFD7CBUL, "Train(config: Config [json]) -> double [raw]\nConfig { Epochs: int }"), new WireContract("Evaluate", 1, "Evaluate() -> void")],
    };

    // The form the generator writes into [assembly: HoistServiceDescriptor(...)]: every value, defaults and nulls included.
    private const string EmbedJson =
        """{"name":"embed","kind":"method","declaringType":"App.Embeddings","assemblyName":"App","methods":["Embed"]""" +
        ""","compute":{"gpus":1,"cpus":3,"memory":"12Gi","disk":null,"image":"mcr.microsoft.com/dotnet/aspnet:10.0","inactivityTtl":"24h","launchTimeout":60,"freeze":false,"namespace":null,"gpuType":null,"sharedMemory":null,"nodeSelector":null,"tolerations":null,"serviceAccount":null,"imagePullSecrets":null,"priorityClass":null,"labels":null,"annotations":null,"queue":null,"spreadAcrossNodes":false}""" +
        ""","distribution":null""" +
        ""","autoscale":{"target":8,"window":"60s","metric":"concurrency","targetUtilization":70,"minScale":null,"maxScale":10,"initialScale":1,"scaleToZeroGracePeriod":300,"containerConcurrency":0,"scaleDownDelay":null}""" +
        ""","environment":[],"secrets":[],"setup":[],"volumes":[],"wireContracts":[]}""";

    [Fact]
    public void Serialize_WritesEveryValue_InDeclarationOrder()
    {
        Assert.Equal(EmbedJson, ServiceDescriptorJson.Serialize(Embed));
    }

    [Theory]
    [InlineData("embed")]
    [InlineData("trainer")]
    public void RoundTrip_GivesAnEqualDescriptor_AndTheSameBytes(string name)
    {
        var descriptor = name == "embed" ? Embed : Trainer;

        var json = ServiceDescriptorJson.Serialize(descriptor);
        var parsed = ServiceDescriptorJson.Deserialize(json);

        Assert.Equivalent(descriptor, parsed, strict: true);
        Assert.Equal(json, ServiceDescriptorJson.Serialize(parsed));
    }

    [Theory]
    [InlineData("""{"name":"embed","kind":"method","declaringType":"App.E","assemblyName":"App","methods":[],"gpus":1}""")] // unknown key: a setting would be dropped
    [InlineData("""{"kind":"method","declaringType":"App.E","assemblyName":"App","methods":[]}""")] // no name
    [InlineData("""{"name":"embed","kind":0,"declaringType":"App.E","assemblyName":"App","methods":[]}""")] // kind as a number
    [InlineData("""{"name":"embed","kind":"function","declaringType":"App.E","assemblyName":"App","methods":[]}""")] // unknown kind
    [InlineData("""{"name":"embed","kind":"method","declaringType":"App.E","assemblyName":"App","methods":[],"compute":{"image":null}}""")] // null where there is none
    [InlineData("""{"name":"embed","kind":"method","declaringType":"App.E","assemblyName":"App","methods":[],"environment":[{"name":"A"}]}""")] // an [Env] without its value
    [InlineData("""{"name":"embed","kind":"method","declaringType":"App.E","assemblyName":"App","methods":[],"secrets":[{"name":"hf","value":"x"}]}""")] // a secret's value has no place here
    [InlineData("""null""")]
    [InlineData("""{"name":"embed",""")]
    public void Deserialize_RefusesWhatIsNotADescriptor(string json)
    {
        Assert.ThrowsAny<JsonException>(() => ServiceDescriptorJson.Deserialize(json));
    }
}

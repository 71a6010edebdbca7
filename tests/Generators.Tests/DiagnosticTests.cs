using System.Globalization;
using Hoist.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>
/// One test per diagnostic: the ID, the exact source it points at, and a message that says what is allowed.
/// A service with an error gets no generated code.
/// </summary>
public sealed class DiagnosticTests
{
    [Fact]
    public void HOIST001_ContainingTypeNotPartial()
    {
        var source = """
            using Hoist;

            namespace MyApp;

            public static class Embeddings
            {
                [Compute]
                public static int Embed(string text) => text.Length;
            }
            """;

        AssertDiagnostic(source, "HOIST001", "Embeddings", "'partial'");
    }

    [Fact]
    public void HOIST001_OuterTypeNotPartial()
    {
        var source = """
            using Hoist;

            public class Outer
            {
                public static partial class Embeddings
                {
                    [Compute]
                    public static int Embed(string text) => text.Length;
                }
            }
            """;

        AssertDiagnostic(source, "HOIST001", "Outer", "every type containing it");
    }

    [Fact]
    public void HOIST002_MetricNotConcurrencyOrRps() =>
        AssertDiagnostic(Method("""[Autoscale(Metric = "foo")]"""), "HOIST002", "\"foo\"", "\"concurrency\"", "\"rps\"");

    [Theory]
    [InlineData("0")]
    [InlineData("150")]
    public void HOIST003_TargetUtilizationOutOfRange(string value) =>
        AssertDiagnostic(Method($"[Autoscale(TargetUtilization = {value})]"), "HOIST003", value, "from 1 to 100");

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("0.001")]
    public void HOIST004_TargetNotPositive(string value) =>
        AssertDiagnostic(Method($"[Autoscale(Target = {value})]"), "HOIST004", value, "greater than 0", "0.01");

    [Fact]
    public void HOIST005_WorkersMissing() =>
        AssertDiagnostic(Method("""[Distribute("pytorch")]"""), "HOIST005", "Distribute(\"pytorch\")", "Workers", "1 or more");

    [Fact]
    public void HOIST005_WorkersZero() =>
        AssertDiagnostic(Method("""[Distribute("pytorch", Workers = 0)]"""), "HOIST005", "0", "Workers", "1 or more");

    [Fact]
    public void HOIST006_UnknownDistributionType() =>
        AssertDiagnostic(
            Method("""[Distribute("mpi", Workers = 2)]"""),
            "HOIST006",
            "\"mpi\"",
            "\"pytorch\"", "\"jax\"", "\"tensorflow\"", "\"ray\"", "\"spmd\"");

    [Fact]
    public void HOIST049_AutoscaleOnARayGroup_IsRefusedAtTheAttribute() =>
        AssertDiagnostic(
            Method("""[Compute(Image = "rayproject/ray:2.9.0")][Distribute("ray", Workers = 2)][Autoscale(MaxScale = 3)]"""),
            "HOIST049",
            "Autoscale(MaxScale = 3)",
            "[Autoscale] does not apply to a Ray group",
            "KubeRay's enableInTreeAutoscaling");

    [Fact]
    public void HOIST007_MinScaleAboveMaxScale() =>
        AssertDiagnostic(Method("[Autoscale(MinScale = 5, MaxScale = 3)]"), "HOIST007", "5", "MinScale must be at most MaxScale");

    [Fact]
    public void HOIST007_ScaleToZeroGracePeriodAboveKnativesHour() =>
        AssertDiagnostic(Method("[Autoscale(ScaleToZeroGracePeriod = 7200)]"), "HOIST007", "7200", "use at most 3600 seconds");

    [Fact]
    public void HOIST007_InitialScaleAboveMaxScale() =>
        AssertDiagnostic(Method("[Autoscale(InitialScale = 4, MaxScale = 3)]"), "HOIST007", "4", "InitialScale must be at most MaxScale");

    [Fact]
    public void HOIST007_InitialScaleZeroWithoutScaleToZero() =>
        AssertDiagnostic(Method("[Autoscale(InitialScale = 0)]"), "HOIST007", "0", "MinScale = 0 or ScaleToZeroGracePeriod");

    [Fact]
    public void HOIST046_MinScaleBesideAGracePeriod_WarnsAtMinScale_AndTheServiceIsStillGenerated()
    {
        var run = GeneratorHarness.Run(Method("[Autoscale(MinScale = 2, ScaleToZeroGracePeriod = 60)]"));

        var warning = Assert.Single(run.Diagnostics);
        Assert.Equal(("HOIST046", DiagnosticSeverity.Warning), (warning.Id, warning.Severity));
        Assert.Equal("2", run.SpanText(warning));
        Assert.Equal(
            "MinScale 2 is ignored because ScaleToZeroGracePeriod 60 turns scale to zero on: the grace period overrides MinScale; remove one "
            + "(MinScale to scale to zero, ScaleToZeroGracePeriod to keep MinScale replicas)",
            warning.GetMessage(CultureInfo.InvariantCulture));
        Assert.NotEmpty(run.Sources);
    }

    [Theory]
    [InlineData("[Autoscale(MinScale = 0, ScaleToZeroGracePeriod = 60)]")]
    [InlineData("[Autoscale(MinScale = 2)]")]
    [InlineData("[Autoscale(ScaleToZeroGracePeriod = 60)]")]
    public void HOIST046_IsNotReported_WhenTheGracePeriodChangesNothing(string attributes) =>
        Assert.Empty(GeneratorHarness.Run(Method(attributes)).Diagnostics);

    [Theory]
    [InlineData("MinScale")]
    [InlineData("MaxScale")]
    [InlineData("InitialScale")]
    [InlineData("ScaleToZeroGracePeriod")]
    public void HOIST008_NegativeScaleSetting(string property) =>
        AssertDiagnostic(Method($"[Autoscale({property} = -1)]"), "HOIST008", "-1", property, "0 or more");

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("\"5s\"")]
    [InlineData("\"2h\"")]
    [InlineData("\"6500ms\"")]
    public void HOIST009_WindowNotAKnativeDuration(string value) =>
        AssertDiagnostic(Method($"[Autoscale(Window = {value})]"), "HOIST009", value, "\"60s\"", "from 6s to 1h");

    [Theory]
    [InlineData("\"soon\"")]
    [InlineData("\"0s\"")]
    public void HOIST009_InactivityTtlNotAPositiveDuration(string value) =>
        AssertDiagnostic(Method($"[Compute(InactivityTtl = {value})]"), "HOIST009", value, "\"30m\"", "\"24h\"");

    [Theory]
    [InlineData("Memory", "\"12 GB\"")]
    [InlineData("Memory", "\"12GB\"")]
    [InlineData("Disk", "\"lots\"")]
    [InlineData("Disk", "\"\"")]
    public void HOIST010_NotAKubernetesQuantity(string property, string value) =>
        AssertDiagnostic(Method($"[Compute({property} = {value})]"), "HOIST010", value, "\"12Gi\"", "\"512Mi\"", "Ki, Mi, Gi");

    [Theory]
    [InlineData("Gpus = -1", "-1", "0 or more GPUs")]
    [InlineData("Cpus = -0.5", "-0.5", "0 or more CPU cores")]
    [InlineData("LaunchTimeout = 0", "0", "greater than 0")]
    public void HOIST011_InvalidResource(string argument, string span, string allowed) =>
        AssertDiagnostic(Method($"[Compute({argument})]"), "HOIST011", span, allowed);

    [Theory]
    [InlineData("Name = \"My_Service\"", "\"My_Service\"", "DNS-1035")]
    [InlineData("Name = \"3d-render\"", "\"3d-render\"", "starting with a letter")]
    [InlineData("Namespace = \"-ml\"", "\"-ml\"", "DNS-1123")]
    public void HOIST012_NameOrNamespaceNotADnsLabel(string argument, string span, string rule) =>
        AssertDiagnostic(Method($"[Compute({argument})]"), "HOIST012", span, rule, "lowercase letters", "63");

    [Fact]
    public void HOIST012_DerivedNameTooLong()
    {
        var name = "Embed" + new string('x', 70);
        AssertDiagnostic(Method("[Compute]", $"public static int {name}(string text) => 1;"), "HOIST012", name, "Name = ", "63");
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("\"not an image!!\"")]
    [InlineData("\"NVCR.io/NVIDIA/PyTorch:23.10\"")]
    [InlineData("\"nvcr.io/nvidia/pytorch:-23.10\"")]
    [InlineData("\"pytorch:23.10:py3\"")]
    [InlineData("\"ubuntu@sha256:abc\"")]
    [InlineData("\"registry.example:port/app\"")]
    [InlineData("\"app//worker\"")]
    public void HOIST030_ImageNotAnImageReference(string value) =>
        AssertDiagnostic(Method($"[Compute(Image = {value})]"), "HOIST030", value, "image reference", "[registry[:port]/]path[:tag][@digest]", "leave Image unset");

    [Theory]
    [InlineData("ubuntu")]
    [InlineData("ubuntu:24.04")]
    [InlineData("nvcr.io/nvidia/pytorch:23.10-py3")]
    [InlineData("localhost:5000/team/app_worker__v2:latest")]
    [InlineData("Registry.Example.COM/a/b-c--d.e/f:TAG_1")]
    [InlineData("[fd00::1]:5000/app:1")]
    [InlineData("ubuntu@sha256:a3a3f9ad0e9d7e1c6a3d8d5a1b0e6b21c52f2fd1c4bd6dbbd7f4f9ce3a1d2c9e")]
    [InlineData("ghcr.io/org/app:1.2@sha256:a3a3f9ad0e9d7e1c6a3d8d5a1b0e6b21c52f2fd1c4bd6dbbd7f4f9ce3a1d2c9e")]
    public void ImageReferences_ThatContainerRuntimesPull_Compile(string image) =>
        Assert.DoesNotContain(GeneratorHarness.Run(Method($"[Compute(Image = \"{image}\")]")).Diagnostics, d => d.Id == "HOIST030");

    [Fact]
    public void HOIST030_RayOnTheDefaultImage_CannotStartRay() =>
        AssertDiagnostic(Method("""[Distribute("ray", Workers = 2)]"""), "HOIST030", "Embed", "cannot start Ray", "rayproject/ray");

    [Theory]
    [InlineData("[Env(\"1ST\", \"x\")]", "\"1ST\"")]
    [InlineData("[Env(\"HF-HOME\", \"x\")]", "\"HF-HOME\"")]
    [InlineData("[Env(\"\", \"x\")]", "\"\"")]
    [InlineData("[Secret(\"hf\", \"token\", \"HF TOKEN\")]", "\"HF TOKEN\"")]
    public void HOIST031_NotAnEnvironmentVariableName(string attribute, string span) =>
        AssertDiagnostic(Method("[Compute]" + attribute), "HOIST031", span, "not an environment variable name", "letters, digits and '_'");

    [Theory]
    [InlineData("[Env(\"HOIST_PORT\", \"1\")]", "\"HOIST_PORT\"")]
    [InlineData("[Env(\"Hoist__MaxRequestBytes\", \"1\")]", "\"Hoist__MaxRequestBytes\"")]
    [InlineData("[Env(\"MASTER_ADDR\", \"x\")]", "\"MASTER_ADDR\"")]
    [InlineData("[Secret(\"hf\", \"token\", \"RANK\")]", "\"RANK\"")]
    public void HOIST032_VariableReservedByHoist(string attribute, string span) =>
        AssertDiagnostic(Method("[Compute]" + attribute), "HOIST032", span, "is set by Hoist itself", "WORLD_SIZE");

    [Theory]
    [InlineData("HuggingFace")]
    [InlineData("hf_token")]
    [InlineData("-hf")]
    [InlineData("")]
    public void HOIST033_NotAKubernetesSecretName(string name) =>
        AssertDiagnostic(Method($"[Compute][Secret(\"{name}\")]"), "HOIST033", $"\"{name}\"", "not a valid Kubernetes Secret name", "DNS-1123 subdomain");

    [Theory]
    [InlineData("a b")]
    [InlineData("..")]
    [InlineData("")]
    public void HOIST034_NotASecretKey(string key) =>
        AssertDiagnostic(Method($"[Compute][Secret(\"hf\", \"{key}\", \"HF_TOKEN\")]"), "HOIST034", $"\"{key}\"", "not a valid Secret key", "'-', '_' or '.'");

    [Fact]
    public void HOIST035_VariableSetTwice_ByEnvAndSecret() =>
        AssertDiagnostic(
            Method("""[Compute][Env("HF_TOKEN", "x")][Secret("hf", "token", "HF_TOKEN")]"""),
            "HOIST035",
            "\"HF_TOKEN\"",
            "is set twice",
            "set each variable once");

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("null")]
    public void HOIST036_SetupStepIsEmpty(string step) =>
        AssertDiagnostic(Method($"[Compute][Setup(\"pip install vllm\")][Setup({step})]"), "HOIST036", step, "is not a setup step", "shell command");

    [Theory]
    [InlineData("Models")]
    [InlineData("my_models")]
    [InlineData("-models")]
    public void HOIST037_VolumeNameIsNotADnsLabel(string name) =>
        AssertDiagnostic(Method($"[Compute][Volume(\"{name}\", \"/models\")]"), "HOIST037", $"\"{name}\"", "is not a valid volume name", "PersistentVolumeClaim");

    [Theory]
    [InlineData("models")]
    [InlineData("/")]
    [InlineData("/app/models")]
    [InlineData("/dev/shm")]
    [InlineData("/data/../etc")]
    public void HOIST038_VolumePathIsNotAMountPath(string path) =>
        AssertDiagnostic(Method($"[Compute][Volume(\"models\", \"{path}\")]"), "HOIST038", $"\"{path}\"", "is not a mount path", "absolute path");

    [Fact]
    public void HOIST039_VolumeDeclaredTwice() =>
        AssertDiagnostic(Method("""[Compute][Volume("models", "/models")][Volume("models", "/data")]"""), "HOIST039", "\"models\"", "is declared twice");

    [Fact]
    public void HOIST039_TwoVolumesAtOnePath() =>
        AssertDiagnostic(Method("""[Compute][Volume("models", "/data")][Volume("cache", "/data/")]"""), "HOIST039", "\"/data/\"", "is mounted twice");

    [Fact]
    public void HOIST010_VolumeSizeIsNotAQuantity() =>
        AssertDiagnostic(Method("""[Compute][Volume("models", "/models", Size = "100GB")]"""), "HOIST010", "\"100GB\"", "Volume size", "Kubernetes quantity");

    [Fact]
    public void HOIST010_SharedMemoryIsNotAQuantity() =>
        AssertDiagnostic(Method("""[Compute(SharedMemory = "lots")]"""), "HOIST010", "\"lots\"", "SharedMemory", "Kubernetes quantity");

    [Theory]
    [InlineData("\"NVIDIA A100\"")]
    [InlineData("\"\"")]
    public void HOIST040_GpuTypeIsNotALabelValue(string value) =>
        AssertDiagnostic(Method($"[Compute(Gpus = 1, GpuType = {value})]"), "HOIST040", value, "GPU product label value", "nvidia.com/gpu.product");

    [Theory]
    [InlineData("disktype")]
    [InlineData("disk type=ssd")]
    [InlineData("a=b,,c=d")]
    [InlineData("a=b,a=c")]
    public void HOIST041_NodeSelectorIsMalformed(string value) =>
        AssertDiagnostic(Method($"[Compute(NodeSelector = \"{value}\")]"), "HOIST041", $"\"{value}\"", "is not a node selector", "key=value");

    [Theory]
    [InlineData("dedicated=ml:NoScheduling")]
    [InlineData("=ml:NoSchedule")]
    [InlineData("dedicated=m l")]
    public void HOIST042_TolerationsAreMalformed(string value) =>
        AssertDiagnostic(Method($"[Compute(Tolerations = \"{value}\")]"), "HOIST042", $"\"{value}\"", "is not a list of tolerations", "PreferNoSchedule");

    [Theory]
    [InlineData("[Env(\"HF_HOME\", \"/models\")]", "Env")]
    [InlineData("[Secret(\"hf\")]", "Secret")]
    [InlineData("[Setup(\"pip install vllm\")]", "Setup")]
    [InlineData("[Volume(\"models\", \"/models\")]", "Volume")]
    public void HOIST043_AdditionOnAMemberThatIsNoService(string attribute, string name)
    {
        var (run, diagnostic) = Single("HOIST043", Method(attribute));
        Assert.Equal(attribute.Substring(1, attribute.Length - 2), run.SpanText(diagnostic));
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.StartsWith($"[{name}] on 'Embeddings.Embed' does nothing", message, StringComparison.Ordinal);
        Assert.Contains("add [Compute]", message, StringComparison.Ordinal);
    }

    [Fact]
    public void HOIST043_AdditionOnAMethodOfAClassService_BelongsOnTheClass()
    {
        var (run, diagnostic) = Single("HOIST043", """
            using Hoist;

            namespace MyApp;

            [Compute]
            public partial class Embeddings
            {
                [Setup("pip install vllm")]
                public int Embed(string text) => 1;
            }
            """);
        Assert.Equal("Setup(\"pip install vllm\")", run.SpanText(diagnostic));
        Assert.Contains("put it on the class", diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void HOIST044_GpuTypeWithoutGpus() =>
        AssertDiagnostic(Method("""[Compute(GpuType = "NVIDIA-A100-SXM4-80GB")]"""), "HOIST044", "\"NVIDIA-A100-SXM4-80GB\"", "without any GPUs", "Gpus to 1 or more");

    [Fact]
    public void HOIST045_StorageClassIsNotAName() =>
        AssertDiagnostic(Method("""[Compute][Volume("models", "/models", StorageClass = "Fast SSD")]"""), "HOIST045", "\"Fast SSD\"", "is not a StorageClass name");

    [Fact]
    public void SetupVolumesAndPlacement_WhenValid_AreNoError()
    {
        var run = GeneratorHarness.Run(Method("""
            [Compute(Gpus = 1, GpuType = "NVIDIA-A100-SXM4-80GB", SharedMemory = "16Gi", NodeSelector = "disktype=ssd,cloud.google.com/gke-nodepool=gpu",
                     Tolerations = "dedicated=ml:NoSchedule,spot:NoExecute,reserved")]
            [Setup("pip install vllm")]
            [Setup("apt-get install -y ffmpeg")]
            [Volume("models", "/models", Size = "100Gi", StorageClass = "standard-rwx")]
            [Volume("hf-cache", "/root/.cache/huggingface")]
            """));
        Assert.Empty(run.Diagnostics);
    }

    [Fact]
    public void EnvAndSecret_OnAClassService_AreValidatedToo() =>
        AssertDiagnostic(
            """
            using Hoist;

            namespace MyApp;

            [Compute]
            [Env("RANK", "0")]
            public partial class Embeddings
            {
                public int Embed(string text) => 1;
            }
            """,
            "HOIST032",
            "\"RANK\"",
            "is set by Hoist itself");

    [Fact]
    public void HOIST013_DuplicateServiceName()
    {
        var source = """
            using Hoist;

            namespace MyApp;

            public static partial class Embeddings
            {
                [Compute]
                public static int Embed(string text) => 1;
            }

            public static partial class Other
            {
                [Compute(Name = "embed")]
                public static int Encode(string text) => 1;
            }
            """;

        var run = AssertDiagnosticAt(source, "HOIST013", "\"embed\"", "unique", "MyApp.Embeddings.Embed");
        Assert.Contains(run.Sources, s => s.HintName == "MyApp.Embeddings.Remote.g.cs");
        Assert.DoesNotContain(run.Sources, s => s.HintName == "MyApp.Other.Remote.g.cs");
    }

    [Theory]
    [InlineData("ref int count", "ref int count", "'ref'")]
    [InlineData("out int count", "out int count", "'out'")]
    [InlineData("int* pointer", "int* pointer", "pointer")]
    [InlineData("delegate*<int, void> callback", "delegate*<int, void> callback", "function pointer")]
    [InlineData("Span<byte> data", "Span<byte> data", "ref struct")]
    [InlineData("Func<int> callback", "Func<int> callback", "delegate")]
    [InlineData("object value", "object value", "'object'")]
    [InlineData("dynamic value", "dynamic value", "'dynamic'")]
    [InlineData("IComparable value", "IComparable value", "interface")]
    [InlineData("List<IComparable> values", "List<IComparable> values", "interface")]
    [InlineData("Stream stream", "Stream stream", "stream, not data")]
    [InlineData("CancellationToken a, CancellationToken b", "CancellationToken b", "second CancellationToken")]
    public void HOIST014_ParameterCannotCrossTheWire(string parameters, string span, string reason) =>
        AssertDiagnostic(
            Method("[Compute]", $"public static unsafe int Embed({parameters}) {{ throw null!; }}"),
            "HOIST014",
            span,
            reason,
            "passed by value or 'in'",
            "IReadOnlyList<T>");

    [Fact]
    public void HOIST014_AllowsInParametersAndCollectionInterfaces()
    {
        var run = GeneratorHarness.Run(Method(
            "[Compute]",
            "public static int Embed(in int count, IReadOnlyDictionary<string, IList<int>> map, ISet<string>? tags, int[]? values, CancellationToken ct) => 1;"));

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.OutputProblems());
    }

    [Theory]
    [InlineData("IAsyncEnumerable<object>", "'object'")]
    [InlineData("Task<object>", "'object'")]
    [InlineData("ValueTask<IComparable>", "interface")]
    [InlineData("Action", "delegate")]
    public void HOIST015_ReturnTypeCannotCrossTheWire(string returnType, string reason) =>
        AssertDiagnostic(
            Method("[Compute]", $"public static {returnType} Embed(string text) => throw null!;"),
            "HOIST015",
            returnType,
            reason,
            "return void, Task, ValueTask, or T, Task<T>, ValueTask<T> or IAsyncEnumerable<T>");

    [Fact]
    public void HOIST015_RefReturn()
    {
        AssertDiagnostic(
            Method("[Compute]", "public static ref int Embed(string text) => throw null!;"),
            "HOIST015",
            "ref int",
            "ref return",
            "return void, Task");
    }

    [Fact]
    public void HOIST024_DistributedServiceCannotStream() =>
        AssertDiagnostic(
            Method("""[Distribute("pytorch", Workers = 2)]""", "public static IAsyncEnumerable<int> Embed(string text) => throw null!;"),
            "HOIST024",
            "IAsyncEnumerable<int>",
            "distributed",
            "one result per rank");

    [Fact]
    public void HOIST024_DistributedClassServiceCannotStream() =>
        AssertDiagnostic(
            """
            using System.Collections.Generic;
            using Hoist;

            namespace MyApp;

            [Distribute("pytorch", Workers = 2)]
            public sealed partial class Trainer
            {
                public IAsyncEnumerable<double> Losses(int epochs) => throw null!;
            }
            """,
            "HOIST024",
            "IAsyncEnumerable<double>",
            "Trainer.Losses",
            "without [Distribute]");

    [Fact]
    public void HOIST016_GenericMethod() =>
        AssertDiagnostic(Method("[Compute]", "public static T Embed<T>(T value) => value;"), "HOIST016", "Embed", "must not be generic");

    [Fact]
    public void HOIST016_GenericClassService()
    {
        var source = """
            using Hoist;

            [Compute]
            public partial class Cache<T>
            {
                public int Count() => 0;
            }
            """;

        AssertDiagnostic(source, "HOIST016", "Cache", "must not be generic");
    }

    [Fact]
    public void HOIST017_InstanceMethodWithoutClassAttribute()
    {
        var source = """
            using Hoist;

            public partial class Chat
            {
                [Compute]
                public string Complete(string prompt) => prompt;
            }
            """;

        AssertDiagnostic(source, "HOIST017", "Complete", "must be static", "put [Compute] on the class 'Chat'");
    }

    [Fact]
    public void HOIST017_MethodAttributeInsideClassService()
    {
        var source = """
            using Hoist;

            [Compute(Gpus = 1)]
            public partial class Chat
            {
                [Autoscale(MaxScale = 2)]
                public string Complete(string prompt) => prompt;
            }
            """;

        var run = AssertDiagnosticAt(source, "HOIST017", "Autoscale(MaxScale = 2)", "set [Compute], [Distribute] and [Autoscale] on the class");
        Assert.Contains(run.Sources, s => s.HintName == "Chat.Remote.g.cs");
    }

    [Theory]
    [InlineData("private")]
    [InlineData("protected")]
    [InlineData("private protected")]
    public void HOIST018_MethodNotAccessible(string accessibility) =>
        AssertDiagnostic(
            Method("[Compute]", $"{accessibility} static int Embed(string text) => 1;", typeKeyword: "class"),
            "HOIST018",
            "Embed",
            accessibility,
            "public or internal");

    [Fact]
    public void HOIST018_NestedInPrivateType()
    {
        var source = """
            using Hoist;

            public partial class Outer
            {
                private static partial class Embeddings
                {
                    [Compute]
                    public static int Embed(string text) => 1;
                }
            }
            """;

        AssertDiagnostic(source, "HOIST018", "Embeddings", "private", "public or internal");
    }

    [Fact]
    public void HOIST019_AbstractClassService() =>
        AssertDiagnostic(
            """
            using Hoist;

            [Compute]
            public abstract partial class Chat
            {
                public string Complete(string prompt) => prompt;
            }
            """,
            "HOIST019",
            "Chat",
            "is abstract",
            "exactly one public constructor");

    [Fact]
    public void HOIST019_TwoPublicConstructors() =>
        AssertDiagnostic(
            """
            using Hoist;

            [Compute]
            public partial class Chat
            {
                public Chat() { }

                public Chat(string model) { }

                public string Complete(string prompt) => prompt;
            }
            """,
            "HOIST019",
            "Chat",
            "has 2 public constructors",
            "exactly one public constructor");

    [Fact]
    public void HOIST019_ConstructorParameterByReference() =>
        AssertDiagnostic(
            """
            using Hoist;

            [Compute]
            public partial class Chat
            {
                public Chat(ref int seed) { }

                public string Complete(string prompt) => prompt;
            }
            """,
            "HOIST019",
            "ref int seed",
            "by reference",
            "resolved from dependency injection");

    [Fact]
    public void HOIST020_OverloadsInClassService() =>
        AssertDiagnostic(
            """
            using Hoist;

            [Compute]
            public partial class Chat
            {
                public string Complete(string prompt) => prompt;

                public string Complete(string prompt, int maxTokens) => prompt;
            }
            """,
            "HOIST020",
            "Complete",
            "distinct name");

    [Fact]
    public void HOIST020_MethodsDifferingOnlyByAsyncSuffix()
    {
        var source = """
            using System.Threading.Tasks;
            using Hoist;

            [Compute]
            public partial class Chat
            {
                public string Complete(string prompt) => prompt;

                public Task<string> CompleteAsync(string prompt) => Task.FromResult(prompt);
            }
            """;

        var (run, diagnostic) = Single("HOIST020", source);
        Assert.Equal("CompleteAsync", run.SpanText(diagnostic));
    }

    [Fact]
    public void HOIST021_TypeAlreadyDeclaresRemote() =>
        AssertDiagnostic(
            Method("[Compute]", "public static int Embed(string text) => 1;\n\n    public static object? Remote => null;"),
            "HOIST021",
            "Remote",
            "rename");

    [Fact]
    public void HOIST022_RuntimeNotReferenced()
    {
        var compilation = GeneratorHarness.CreateCompilation([Method("[Compute]")], referenceRuntime: false);
        var run = GeneratorHarness.Run(compilation);

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("HOIST022", diagnostic.Id);
        Assert.Equal(Location.None, diagnostic.Location);
        Assert.Contains("reference to the Hoist.Runtime", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void Catalogue_HasStableUniqueIds_ErrorsButOneWarning_InTheHoistCategory()
    {
        var descriptors = DiagnosticDescriptors.All.ToList();

        Assert.Equal(Enumerable.Range(1, 24).Concat(Enumerable.Range(30, descriptors.Count - 24)).Select(i => $"HOIST{i:000}"), descriptors.Select(d => d.Id).Order());
        Assert.All(descriptors, d =>
        {
            // One warning: a setting that is allowed but does nothing.
            Assert.Equal(d.Id == "HOIST046" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, d.DefaultSeverity);
            Assert.Equal("Hoist", d.Category);
            Assert.True(d.IsEnabledByDefault);
        });
    }

    private static string Method(string attributes, string method = "public static int Embed(string text) => 1;", string typeKeyword = "static class") => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using Hoist;

        namespace MyApp;

        public {{typeKeyword.Replace("class", "partial class", StringComparison.Ordinal)}} Embeddings
        {
            {{attributes}}
            {{method}}
        }
        """;

    private static (GeneratorRun Run, Diagnostic Diagnostic) Single(string id, string source) => GeneratorHarness.RunExpectingOne(id, source);

    /// <summary>Asserts the diagnostic, its span and its message; the service it is about generates nothing.</summary>
    private static void AssertDiagnostic(string source, string id, string spanText, params string[] allowed) =>
        Assert.Empty(AssertDiagnosticAt(source, id, spanText, allowed).Sources);

    private static GeneratorRun AssertDiagnosticAt(string source, string id, string spanText, params string[] allowed)
    {
        var (run, diagnostic) = Single(id, source);

        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(spanText, run.SpanText(diagnostic));
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        foreach (var text in allowed)
        {
            Assert.Contains(text, message, StringComparison.Ordinal);
        }

        return run;
    }
}

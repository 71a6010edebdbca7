using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>
/// The generated code for representative services, checked against Snapshots/*.verified.cs. Each test also
/// compiles the result: generated code must build without a single warning.
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public void StaticMethod_WithResourcesAndAutoscale()
    {
        var run = GeneratorHarness.Run("""
            using Hoist;

            namespace MyApp;

            public static partial class Embeddings
            {
                [Compute(Gpus = 1, Cpus = 3, Memory = "12Gi", Image = "nvcr.io/nvidia/pytorch:23.10-py3",
                         InactivityTtl = "24h", LaunchTimeout = 60, GpuType = "NVIDIA-A100-SXM4-80GB", SharedMemory = "16Gi")]
                [Autoscale(Target = 8, Metric = "concurrency", MaxScale = 10, ScaleToZeroGracePeriod = 300)]
                [Env("HF_HOME", "/models")]
                [Secret("huggingface", "token", "HF_TOKEN")]
                [Secret("wandb")]
                [Setup("pip install vllm")]
                [Volume("models", "/models", Size = "100Gi")]
                public static float[] Embed(string text) => new float[text.Length];
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void StaticMethods_WithEveryReturnShape()
    {
        var run = GeneratorHarness.Run("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Hoist;

            namespace MyApp;

            public static partial class Storage
            {
                [Compute]
                public static async Task<string?> FetchAsync(string key, int version = 2)
                {
                    await Task.Yield();
                    return key + version;
                }

                [Compute(Cpus = 0.5)]
                public static ValueTask<IReadOnlyList<int>> CountAsync(int[] values) => new(values);

                [Compute(Freeze = true)]
                public static void Log(string message, Level level = Level.Warning) { }

                [Compute]
                public static Task FlushAsync() => Task.CompletedTask;

                [Compute]
                public static ValueTask Compact(int? generation = null, double ratio = 0.25) => default;

                [Compute]
                internal static int Ping() => 42;
            }

            public enum Level { Info, Warning }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void StreamingMethods_ReturnAsyncEnumerableProxies()
    {
        var run = GeneratorHarness.Run("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Hoist;

            namespace MyApp;

            [Compute]
            public sealed partial class Tokens
            {
                public async IAsyncEnumerable<string> Generate(string prompt, int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    for (var i = 0; i < count; i++)
                    {
                        await Task.Delay(1, cancellationToken);
                        yield return prompt + i;
                    }
                }

                public static async IAsyncEnumerable<int[]> Progress(int steps)
                {
                    await Task.Yield();
                    yield return new int[steps];
                }

                public int Count(string prompt) => prompt.Length;
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void CancellationTokenParameter_ReceivesTheWorkersToken()
    {
        var run = GeneratorHarness.Run("""
            using System.Threading;
            using System.Threading.Tasks;
            using Hoist;

            namespace MyApp;

            public static partial class Search
            {
                [Compute]
                public static Task<string[]> QueryAsync(string query, CancellationToken ct, int limit = 10) => Task.FromResult(new[] { query });

                [Compute]
                public static Task IndexAsync(string document, CancellationToken cancellationToken) => Task.Delay(1, cancellationToken);

                [Compute]
                public static int Weigh(string arguments, int reader, int @class) => arguments.Length + reader + @class;
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void ClassService_WithDependencyInjectedConstructor()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Hoist;

            namespace MyApp;

            public interface IModel
            {
                string Generate(string prompt);
            }

            [Compute(Gpus = 1, Memory = "16Gi")]
            public sealed partial class Chat(IModel model, IServiceProvider services) : IDisposable
            {
                public string Complete(string prompt) => model.Generate(prompt);

                public async Task<string> StreamAsync(string prompt, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    return model.Generate(prompt);
                }

                internal void Reset() { }

                public override string ToString() => "chat";

                public void Dispose() => _ = services;

                private static Chat Create() => throw new NotSupportedException();

                public string Name { get; set; } = "";

                private string Secret() => "";
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void StaticClassService()
    {
        var run = GeneratorHarness.Run("""
            using Hoist;

            namespace MyApp;

            [Compute(Name = "math", Namespace = "ml")]
            public static partial class Calculator
            {
                public static int Add(int a, int b) => a + b;

                public static double Scale(double value) => value * 2;
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void DistributedAndAutoscaledService()
    {
        var run = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using Hoist;

            namespace MyApp;

            public sealed record TrainConfig(int Epochs, double LearningRate);

            public sealed record TrainResult(int Rank, double Loss);

            public static partial class Trainer
            {
                [Compute(Gpus = 1)]
                [Distribute("pytorch", Workers = 4)]
                [Autoscale(MinScale = 0, MaxScale = 3, Window = "2m", TargetUtilization = 80, Target = 2.5, Metric = "rps", InitialScale = 0)]
                public static Task<TrainResult> TrainAsync(TrainConfig config) => Task.FromResult(new TrainResult(0, 0.1));

                [Distribute("spmd", Workers = 2)]
                public static void Barrier() { }
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void NestedTypesInNamespace()
    {
        var run = GeneratorHarness.Run("""
            using Hoist;

            namespace MyApp.Services
            {
                public partial record Outer
                {
                    internal partial struct Middle
                    {
                        public static partial class Inner
                        {
                            [Compute]
                            public static string Echo(string text) => text;
                        }
                    }
                }
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void ClassService_WithInheritedStaticParamsAndObsoleteMethods()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Hoist;

            namespace MyApp;

            public class Calculator
            {
                public int Twice(int value) => 2 * value;

                public virtual string Name() => "calculator";
            }

            [Compute]
            public partial class Scientific : Calculator
            {
                public override string Name() => "scientific";

                public long Product(string label, int scale = 2, params int[] factors) => scale * factors.Length + label.Length;

                public static int Version() => 2;

                [Obsolete("use Product")]
                public int Multiply(int a, int b) => a * b;
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void GlobalNamespace()
    {
        var run = GeneratorHarness.Run("""
            using Hoist;

            public static partial class Tools
            {
                [Autoscale]
                public static int HTTPServer(int port) => port;
            }
            """);

        AssertCompilesCleanly(run);
        SnapshotAssert.Matches(run);
    }

    [Fact]
    public void GeneratedCode_IsDocumented_AndCompilesAsCSharp10()
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.CSharp10, DocumentationMode.Diagnose);
        var compilation = GeneratorHarness.CreateCompilation(
            ["""
            using Hoist;

            namespace MyApp
            {
                /// <summary>Embeddings.</summary>
                public static partial class Embeddings
                {
                    /// <summary>Embeds.</summary>
                    [Compute]
                    public static float[] Embed(string text) => new float[text.Length];
                }

                /// <summary>Chat.</summary>
                [Compute]
                public partial class Chat
                {
                    /// <summary>Completes.</summary>
                    public string Complete(string prompt) => prompt;
                }
            }
            """],
            referenceRuntime: true,
            parseOptions);

        var run = GeneratorHarness.Run(compilation, parseOptions);

        Assert.Equal(2 + 2, run.Sources.Length); // two proxies, the service table and the descriptor attributes
        AssertCompilesCleanly(run);
    }

    private static void AssertCompilesCleanly(GeneratorRun run)
    {
        Assert.Empty(run.DriverDiagnostics);
        Assert.Empty(run.Diagnostics);
        Assert.Null(run.Result.Exception);
        Assert.NotEmpty(run.Sources);
        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems));
    }
}

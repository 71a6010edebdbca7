using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>
/// An edit that does not touch a service must not make the generator redo work: every tracked step and
/// every output is Cached or Unchanged on the second run.
/// </summary>
public sealed class IncrementalCachingTests
{
    private const string Services = """
        using System.Threading.Tasks;
        using Hoist;

        namespace MyApp;

        public static partial class Embeddings
        {
            [Compute(Gpus = 1, Memory = "12Gi")]
            [Autoscale(MaxScale = 10)]
            public static float[] Embed(string text) => new float[text.Length];

            [Distribute("pytorch", Workers = 2)]
            public static Task<int> TrainAsync(int epochs) => Task.FromResult(epochs);
        }

        [Compute]
        public partial class Chat
        {
            public string Complete(string prompt) => prompt;
        }

        public static partial class Broken
        {
            [Autoscale(Metric = "foo")]
            public static int Bad() => 1;
        }
        """;

    private const string Helpers = """
        namespace MyApp;

        public static class Helpers
        {
            public static int Twice(int value) => value * 2;
        }
        """;

    [Fact]
    public void AddingAnUnrelatedFile_CachesEveryStep()
    {
        var compilation = GeneratorHarness.CreateCompilation(Services, Helpers);
        var edited = compilation.AddSyntaxTrees(
            GeneratorHarness.ParseSource("namespace Other { public sealed class Unrelated { public int Value => 1; } }", "/src/Unrelated.cs"));

        AssertSecondRunIsCached(compilation, edited);
    }

    [Fact]
    public void EditingAMethodBodyThatIsNotAService_CachesEveryStep()
    {
        var compilation = GeneratorHarness.CreateCompilation(Services, Helpers);
        var helpersTree = compilation.SyntaxTrees.Single(t => t.FilePath == "/src/File1.cs");
        var edited = compilation.ReplaceSyntaxTree(
            helpersTree,
            GeneratorHarness.ParseSource(Helpers.Replace("value * 2", "value + value", StringComparison.Ordinal), helpersTree.FilePath));

        AssertSecondRunIsCached(compilation, edited);
    }

    [Fact]
    public void EditingAServiceAttribute_RegeneratesItsOutput()
    {
        var compilation = GeneratorHarness.CreateCompilation(Services, Helpers);
        var servicesTree = compilation.SyntaxTrees.Single(t => t.FilePath == "/src/File0.cs");
        var edited = compilation.ReplaceSyntaxTree(
            servicesTree,
            GeneratorHarness.ParseSource(Services.Replace("MaxScale = 10", "MaxScale = 20", StringComparison.Ordinal), servicesTree.FilePath));

        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var tableReasons = second.TrackedSteps[HoistGenerator.TrackingNames.ServiceTable].SelectMany(s => s.Outputs).Select(o => o.Reason);
        Assert.Contains(IncrementalStepRunReason.Modified, tableReasons);
        Assert.Contains("\\\"maxScale\\\":20", second.GeneratedSources.Single(s => s.HintName == "Hoist.ServiceTable.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    private static void AssertSecondRunIsCached(CSharpCompilation compilation, Compilation edited)
    {
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        driver = driver.RunGenerators(edited);
        var second = driver.GetRunResult().Results.Single();

        Assert.Null(second.Exception);
        var steps = second.TrackedSteps.Where(s => HoistGenerator.TrackingNames.All.Contains(s.Key)).ToList();
        Assert.Equal(HoistGenerator.TrackingNames.All.Order(), steps.Select(s => s.Key).Order());

        var uncached = steps
            .SelectMany(step => step.Value.SelectMany(run => run.Outputs.Select(output => (step.Key, output.Reason))))
            .Concat(second.TrackedOutputSteps.SelectMany(step => step.Value.SelectMany(run => run.Outputs.Select(output => (step.Key, output.Reason)))))
            .Where(output => output.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
            .ToList();
        Assert.True(uncached.Count == 0, "Steps that ran again: " + string.Join(", ", uncached));

        Assert.Equal(
            first.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())),
            second.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())));
        Assert.Equal(first.Diagnostics.Select(d => d.ToString()), second.Diagnostics.Select(d => d.ToString()));
        Assert.NotEmpty(second.Diagnostics);
    }
}

using System.Collections.Immutable;
using System.Text;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Hoist.Generators.Tests;

/// <summary>Builds compilations of test sources and runs <see cref="HoistGenerator"/> over them.</summary>
internal static class GeneratorHarness
{
    public const string AssemblyName = "MyApp";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> s_hoistReferences =
    [
        MetadataReference.CreateFromFile(typeof(Hoist.ComputeAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Hoist.ServiceDescriptor).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Hoist.Serialization.PayloadWriter).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Hoist.Dispatch.ServiceDispatcher).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions).Assembly.Location),
    ];

    private static readonly ImmutableArray<MetadataReference> s_references =
        [.. Net100.References.All, .. s_hoistReferences];

    private static readonly ImmutableArray<MetadataReference> s_referencesWithoutRuntime =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(Hoist.ComputeAttribute).Assembly.Location),
    ];

    /// <summary>A library compilation like a user's project: nullable on, every warning level on.</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(sources, referenceRuntime: true);

    public static CSharpCompilation CreateCompilation(string[] sources, bool referenceRuntime, CSharpParseOptions? parseOptions = null) =>
        CSharpCompilation.Create(
            AssemblyName,
            sources.Select((source, i) => ParseSource(source, $"/src/File{i}.cs", parseOptions)),
            referenceRuntime ? s_references : s_referencesWithoutRuntime,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                allowUnsafe: true,
                deterministic: true));

    public static SyntaxTree ParseSource(string source, string path, CSharpParseOptions? parseOptions = null) =>
        CSharpSyntaxTree.ParseText(SourceText.From(source, Encoding.UTF8), parseOptions ?? ParseOptions, path);

    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null) =>
        CSharpGeneratorDriver.Create(
            [new HoistGenerator().AsSourceGenerator()],
            parseOptions: parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    /// <summary>Runs the generator and returns the one error with <paramref name="id"/> it must have reported.</summary>
    public static (GeneratorRun Run, Diagnostic Diagnostic) RunExpectingOne(string id, string source)
    {
        var run = Run(source);
        Xunit.Assert.Null(run.Result.Exception);
        var matches = run.Diagnostics.Where(d => d.Id == id).ToList();
        Xunit.Assert.True(matches.Count == 1, $"Expected one {id}, got: {string.Join("\n", run.Diagnostics)}");
        Xunit.Assert.Equal(DiagnosticSeverity.Error, matches[0].Severity);
        return (run, matches[0]);
    }

    public static GeneratorRun Run(CSharpCompilation compilation, CSharpParseOptions? parseOptions = null)
    {
        var driver = CreateDriver(parseOptions).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);
        return new GeneratorRun(compilation, output, driverDiagnostics, driver.GetRunResult().Results.Single());
    }
}

/// <summary>One generator run: its input, the compilation with generated sources added, and what it reported.</summary>
internal sealed record GeneratorRun(
    Compilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> DriverDiagnostics,
    GeneratorRunResult Result)
{
    /// <summary>The diagnostics the generator reported.</summary>
    public ImmutableArray<Diagnostic> Diagnostics => Result.Diagnostics;

    public ImmutableArray<GeneratedSourceResult> Sources => Result.GeneratedSources;

    public string Source(string hintName) =>
        Sources.SingleOrDefault(s => s.HintName == hintName).SourceText?.ToString()
        ?? throw new Xunit.Sdk.XunitException($"No generated source '{hintName}'. Generated: {string.Join(", ", Sources.Select(s => s.HintName))}");

    /// <summary>Errors and warnings of the compilation with the generated code, all of them.</summary>
    public IReadOnlyList<Diagnostic> OutputProblems() =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>The source text a diagnostic points at.</summary>
    public string SpanText(Diagnostic diagnostic)
    {
        var path = diagnostic.Location.GetLineSpan().Path;
        var tree = Input.SyntaxTrees.Single(t => t.FilePath == path);
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }
}

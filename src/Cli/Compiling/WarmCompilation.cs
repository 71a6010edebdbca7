using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Hoist.Cli.Compiling;

/// <summary>What one in-process compile gave: the assembly and its pdb, or the errors; and every diagnostic to print.</summary>
internal sealed record CompileOutcome(bool Succeeded, IReadOnlyList<Diagnostic> Errors, IReadOnlyList<Diagnostic> Warnings, byte[] Assembly, byte[]? Pdb, byte[]? Documentation, TimeSpan Elapsed)
{
    /// <summary>How much of <see cref="Elapsed"/> the generators took.</summary>
    public TimeSpan Generators { get; init; }

    /// <summary>Each error as the compiler prints it: <c>path(line,col): error CS1002: ; expected</c>.</summary>
    public IEnumerable<string> ErrorLines => Errors.Select(d => CSharpDiagnosticFormatter.Instance.Format(d, System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>
/// A project's C# compilation kept warm between saves, from the compiler's own command line
/// (<see cref="CompileInputs"/>): a save replaces only the syntax trees of the files it changed, the generators
/// (Hoist's and the SDK's) run again through a <see cref="GeneratorDriver"/> that keeps their incremental state, and
/// the emit writes the same assembly and pdb the compiler would. Analyzers that only report run when the project
/// makes any diagnostic an error, since only then can they fail a build.
/// </summary>
internal sealed class WarmCompilation
{
    private readonly CompileInputs _inputs;
    private readonly CSharpCommandLineArguments _args;
    private readonly AnalyzerConfigs _configs;
    private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;
    private readonly ImmutableArray<AdditionalText> _additionalTexts;
    private readonly ImmutableHashSet<string> _embedded;
    private readonly Dictionary<string, SyntaxTree> _trees = new(StringComparer.Ordinal);
    private CSharpCompilation _compilation;
    private GeneratorDriver _driver;

    private WarmCompilation(CompileInputs inputs, AnalyzerConfigs configs, ImmutableArray<ISourceGenerator> generators, ImmutableArray<DiagnosticAnalyzer> analyzers, IReadOnlyList<Diagnostic> setup)
    {
        _inputs = inputs;
        _args = inputs.Parsed;
        _configs = configs;
        _analyzers = analyzers;
        SetupDiagnostics = setup;
        _embedded = _args.EmbeddedFiles.Select(f => f.Path).ToImmutableHashSet(StringComparer.Ordinal);
        _additionalTexts = [.. _args.AdditionalFiles.Select(f => (AdditionalText)new FileText(f.Path))];

        var trees = _args.SourceFiles.Select(f => Parse(f.Path, File.ReadAllBytes(f.Path))).ToArray();
        foreach (var tree in trees)
        {
            _trees[tree.FilePath] = tree;
        }

        var options = _args.CompilationOptions
            .WithSourceReferenceResolver(new SourceFileResolver([], _args.BaseDirectory, _args.PathMap))
            .WithXmlReferenceResolver(new XmlFileResolver(_args.BaseDirectory))
            .WithStrongNameProvider(new DesktopStrongNameProvider(_args.KeyFileSearchPaths))
            .WithAssemblyIdentityComparer(DesktopAssemblyIdentityComparer.Default)
            .WithSyntaxTreeOptionsProvider(configs.TreeOptionsProvider());
        var references = _args.MetadataReferences.Select(r => (MetadataReference)MetadataReference.CreateFromFile(r.Reference, r.Properties));
        _compilation = CSharpCompilation.Create(_args.CompilationName, trees, references, options);

        // As the compiler does: generated files are rooted in the generated-files folder, else the output folder, and
        // the driver skips host-only outputs.
        var driverOptions = new GeneratorDriverOptions(IncrementalGeneratorOutputKind.Host, trackIncrementalGeneratorSteps: false, baseDirectory: _args.GeneratedFilesOutputDirectory ?? _args.OutputDirectory);
        _driver = CSharpGeneratorDriver.Create(generators, _additionalTexts, _args.ParseOptions, configs.OptionsProvider(), driverOptions);
    }

    /// <summary>Problems loading analyzers or reading config files; none of them stops a compile.</summary>
    public IReadOnlyList<Diagnostic> SetupDiagnostics { get; }

    public int GeneratorCount => _driver.GetRunResult().Results.Length;

    public static WarmCompilation Create(CompileInputs inputs)
    {
        var args = inputs.Parsed;
        var configs = AnalyzerConfigs.Read(args.AnalyzerConfigPaths, out var configDiagnostics);
        var loader = new AnalyzerLoader();
        var setup = new List<Diagnostic>(configDiagnostics);
        var generators = ImmutableArray.CreateBuilder<ISourceGenerator>();
        var analyzers = ImmutableArray.CreateBuilder<DiagnosticAnalyzer>();
        var sourcePaths = args.SourceFiles.Select(f => f.Path).ToArray();
        var analyzersCanFail = args.CompilationOptions.GeneralDiagnosticOption == ReportDiagnostic.Error ||
                               args.CompilationOptions.SpecificDiagnosticOptions.Values.Contains(ReportDiagnostic.Error) ||
                               configs.RaisesAnyToError(sourcePaths);
        foreach (var analyzer in args.AnalyzerReferences)
        {
            var reference = new AnalyzerFileReference(Path.GetFullPath(analyzer.FilePath, args.BaseDirectory ?? inputs.ProjectDirectory), loader);
            reference.AnalyzerLoadFailed += (_, e) => setup.Add(Diagnostic.Create(
                new DiagnosticDescriptor("HOISTDEV", "Analyzer not loaded", "{0}", "hoist dev", DiagnosticSeverity.Warning, isEnabledByDefault: true),
                Location.None,
                $"{Path.GetFileName(analyzer.FilePath)}: {e.Message}"));
            generators.AddRange(reference.GetGenerators(LanguageNames.CSharp));
            if (analyzersCanFail)
            {
                analyzers.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
            }
        }

        return new WarmCompilation(inputs, configs, generators.ToImmutable(), analyzers.ToImmutable(), setup);
    }

    /// <summary>
    /// Takes the saved content of <paramref name="changedFiles"/> (full paths the compile already reads). False when
    /// none of them differs from the tree the compilation holds: an editor's second write of the same text.
    /// </summary>
    public bool Update(IEnumerable<string> changedFiles)
    {
        var changed = false;
        foreach (var path in changedFiles)
        {
            var key = _trees.Keys.FirstOrDefault(k => string.Equals(Path.GetFullPath(k), path, StringComparison.Ordinal)) ?? path;
            if (!_trees.TryGetValue(key, out var old))
            {
                continue;
            }

            var tree = Parse(key, File.ReadAllBytes(path));
            if (tree.GetText().ContentEquals(old.GetText()))
            {
                continue;
            }

            _compilation = _compilation.ReplaceSyntaxTree(old, tree);
            _trees[key] = tree;
            changed = true;
        }

        return changed;
    }

    /// <summary>
    /// Compiles every source once more from a fresh tree and throws the result away: the compiler's code paths for a
    /// save get jitted at start, not on the first save.
    /// </summary>
    public void Exercise(CancellationToken cancellationToken)
    {
        var (path, tree) = _trees.First();
        var copy = Parse(path, Encoding(tree));
        var compilation = _compilation.ReplaceSyntaxTree(tree, copy);
        _driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _, cancellationToken);
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        output.Emit(pe, pdb, cancellationToken: cancellationToken);
    }

    private static byte[] Encoding(SyntaxTree tree) => (tree.Encoding ?? System.Text.Encoding.UTF8).GetBytes(tree.GetText().ToString());

    /// <summary>Runs the generators incrementally and emits, as the compiler's CompileAndEmit does.</summary>
    public CompileOutcome Emit(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        _driver = _driver.RunGeneratorsAndUpdateCompilation(_compilation, out var compilation, out var generatorDiagnostics, cancellationToken);
        var generated = Stopwatch.GetElapsedTime(started);

        var outputName = _args.OutputFileName ?? _args.CompilationName + ".dll";
        var pePath = Path.Combine(_args.OutputDirectory, outputName);
        var pdbPath = _args.PdbPath ?? Path.ChangeExtension(pePath, ".pdb");
        var emitOptions = _args.EmitOptions.WithOutputNameOverride(outputName).WithPdbFilePath(MapPath(pdbPath, _args.PathMap));
        var emitPdb = _args.EmitPdb && emitOptions.DebugInformationFormat != DebugInformationFormat.Embedded;

        using var pe = new MemoryStream();
        using var pdb = emitPdb ? new MemoryStream() : null;
        using var xml = _args.DocumentationPath is null ? null : new MemoryStream();
        using var win32 = Win32Resources(compilation);
        using var sourceLink = _args.SourceLink is { } link ? File.OpenRead(link) : null;
        var embedded = compilation.SyntaxTrees.Where(t => _embedded.Contains(t.FilePath)).Select(t => EmbeddedText.FromSource(t.FilePath, t.GetText(cancellationToken))).ToArray();
        var result = compilation.Emit(pe, pdb, xml, win32, _args.ManifestResources, emitOptions, debugEntryPoint: null, sourceLink, embedded, cancellationToken: cancellationToken);

        var diagnostics = generatorDiagnostics.Concat(result.Diagnostics).ToList();
        if (result.Success && !_analyzers.IsEmpty)
        {
            var analyzerOptions = new AnalyzerOptions(_additionalTexts, _configs.OptionsProvider());
            diagnostics.AddRange(compilation.WithAnalyzers(_analyzers, analyzerOptions).GetAnalyzerDiagnosticsAsync(cancellationToken).GetAwaiter().GetResult());
        }

        var reported = diagnostics.Where(d => !d.IsSuppressed && d.Severity != DiagnosticSeverity.Hidden).Distinct().ToArray();
        var errors = reported.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        var warnings = reported.Where(d => d.Severity == DiagnosticSeverity.Warning).ToArray();
        var succeeded = result.Success && errors.Length == 0;
        return new CompileOutcome(succeeded, errors, warnings, succeeded ? pe.ToArray() : [], succeeded ? pdb?.ToArray() : null, succeeded ? xml?.ToArray() : null, Stopwatch.GetElapsedTime(started))
        {
            Generators = generated,
        };
    }

    /// <summary>The text of a source file as the compiler reads it: its encoding detected, hashed with the project's checksum algorithm.</summary>
    private SyntaxTree Parse(string path, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var text = SourceText.From(stream, _args.Encoding, _args.ChecksumAlgorithm, throwIfBinaryDetected: false, canBeEmbedded: _embedded.Contains(path));
        return CSharpSyntaxTree.ParseText(text, _args.ParseOptions, path);
    }

    /// <summary>The Win32 resources the compiler adds: the file given, else a version resource, the manifest and the icon.</summary>
    private Stream? Win32Resources(Compilation compilation)
    {
        if (_args.Win32ResourceFile is { } file)
        {
            return File.OpenRead(file);
        }

        using var manifest = _args.Win32Manifest is { } m ? File.OpenRead(m) : null;
        using var icon = _args.Win32Icon is { } i ? File.OpenRead(i) : null;
        return compilation.CreateDefaultWin32Resources(versionResource: true, noManifest: _args.NoWin32Manifest, manifestContents: manifest, iconInIcoFormat: icon);
    }

    /// <summary>The compiler's /pathmap: the first prefix that matches is replaced.</summary>
    private static string MapPath(string path, ImmutableArray<KeyValuePair<string, string>> pathMap)
    {
        foreach (var (from, to) in pathMap)
        {
            if (path.StartsWith(from, StringComparison.Ordinal))
            {
                var mapped = to + path[from.Length..];
                return to.Contains('/') || to.Length == 0 ? mapped.Replace('\\', '/') : mapped;
            }
        }

        return path;
    }

    /// <summary>An additional file read from disk when a generator asks for it.</summary>
    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText? GetText(CancellationToken cancellationToken = default) =>
            File.Exists(Path) ? SourceText.From(File.ReadAllText(Path)) : null;
    }

    public CompileInputs Inputs => _inputs;
}

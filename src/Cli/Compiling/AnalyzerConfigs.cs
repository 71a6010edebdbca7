using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Hoist.Cli.Compiling;

/// <summary>
/// The project's <c>.editorconfig</c> and global analyzer config files (the SDK's generated one carries the
/// <c>build_property.*</c> values generators read) as the compiler applies them: options for generators and
/// analyzers by file, and diagnostic severities by tree. Looked up by path, so a replaced tree keeps its options.
/// </summary>
internal sealed class AnalyzerConfigs
{
    private readonly AnalyzerConfigSet? _set;
    private readonly ConcurrentDictionary<string, AnalyzerConfigOptionsResult> _byPath = new(StringComparer.Ordinal);

    private AnalyzerConfigs(AnalyzerConfigSet? set) => _set = set;

    public static AnalyzerConfigs Read(IEnumerable<string> paths, out ImmutableArray<Diagnostic> diagnostics)
    {
        var configs = paths.Select(path => AnalyzerConfig.Parse(SourceText.From(File.ReadAllText(path)), path)).ToArray();
        if (configs.Length == 0)
        {
            diagnostics = [];
            return new AnalyzerConfigs(null);
        }

        return new AnalyzerConfigs(AnalyzerConfigSet.Create(configs, out diagnostics));
    }

    /// <summary>True when a config makes some diagnostic an error: analyzers then have to run, as they can fail the build.</summary>
    public bool RaisesAnyToError(IEnumerable<string> sourcePaths) =>
        _set is not null &&
        (_set.GlobalConfigOptions.TreeOptions.Values.Contains(ReportDiagnostic.Error) ||
         sourcePaths.Any(p => For(p).TreeOptions.Values.Contains(ReportDiagnostic.Error)));

    public AnalyzerConfigOptionsResult For(string path) => _set is null ? default : _byPath.GetOrAdd(path, _set.GetOptionsForSourcePath);

    public AnalyzerConfigOptionsProvider OptionsProvider() => new Provider(this);

    public SyntaxTreeOptionsProvider TreeOptionsProvider() => new TreeProvider(this);

    private ImmutableDictionary<string, string> AnalyzerOptionsFor(string path) =>
        _set is null ? ImmutableDictionary<string, string>.Empty : For(path).AnalyzerOptions ?? ImmutableDictionary<string, string>.Empty;

    private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => values.Keys;
    }

    private sealed class Provider(AnalyzerConfigs configs) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } =
            new Options(configs._set?.GlobalConfigOptions.AnalyzerOptions ?? ImmutableDictionary<string, string>.Empty);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(configs.AnalyzerOptionsFor(tree.FilePath));

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(configs.AnalyzerOptionsFor(textFile.Path));
    }

    private sealed class TreeProvider(AnalyzerConfigs configs) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) =>
            configs.AnalyzerOptionsFor(tree.FilePath).TryGetValue("generated_code", out var value)
                ? string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) ? GeneratedKind.MarkedGenerated : GeneratedKind.NotGenerated
                : GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = default;
            return configs._set is not null && configs.For(tree.FilePath).TreeOptions is { } options && options.TryGetValue(diagnosticId, out severity);
        }

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = default;
            return configs._set is not null && configs._set.GlobalConfigOptions.TreeOptions.TryGetValue(diagnosticId, out severity);
        }
    }
}

/// <summary>
/// Loads the project's analyzer and generator assemblies, each folder into a context of its own, sharing the
/// compiler (Microsoft.CodeAnalysis) and the framework with this process, as the compiler server does.
/// </summary>
internal sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
{
    private readonly ConcurrentDictionary<string, FolderContext> _contexts = new(StringComparer.Ordinal);

    public void AddDependencyLocation(string fullPath)
    {
    }

    public Assembly LoadFromPath(string fullPath) =>
        _contexts.GetOrAdd(Path.GetDirectoryName(fullPath)!, folder => new FolderContext(folder)).LoadFromAssemblyPath(fullPath);

    private sealed class FolderContext(string folder) : AssemblyLoadContext($"hoist-dev-analyzers:{folder}")
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // The compiler's own assemblies and the framework are this process's; the rest (an analyzer's helpers,
            // Microsoft.CodeAnalysis.NetAnalyzers beside its C# part) come from the analyzer's folder.
            var name = assemblyName.Name ?? "";
            if (name is "Microsoft.CodeAnalysis" or "Microsoft.CodeAnalysis.CSharp" or "System" or "netstandard" or "mscorlib" || name.StartsWith("System.", StringComparison.Ordinal))
            {
                return null;
            }

            var path = Path.Combine(folder, name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}

using System.Collections.Immutable;
using System.Text.Json;
using Hoist.Cli.Building;
using Microsoft.CodeAnalysis.CSharp;

namespace Hoist.Cli.Compiling;

/// <summary>
/// What <c>dotnet build</c> hands the C# compiler for a project, read once from MSBuild: the exact <c>csc</c>
/// command line (references, defines, LangVersion, Nullable, warnings, analyzers and generators, the generated
/// global usings and assembly attributes, analyzer config files, path map...), parsed by the compiler's own
/// parser, and the project files whose change makes that command line out of date.
/// </summary>
/// <remarks>
/// Why the command line: it is what MSBuild's Csc task would run, so nothing is re-derived from properties and
/// nothing can drift from the SDK's targets; Visual Studio's project system reads it the same way
/// (<c>ProvideCommandLineArgs</c> with <c>SkipCompilerExecution</c>). Microsoft.CodeAnalysis.Workspaces.MSBuild
/// would do the same through a build host process and MSBuildLocator, a second copy of MSBuild to start and keep
/// in step; a binlog would need a reader for its format. One <c>dotnet msbuild</c> gives the arguments as JSON.
/// </remarks>
internal sealed record CompileInputs(
    string ProjectPath,
    IReadOnlyList<string> Arguments,
    CSharpCommandLineArguments Parsed,
    string TargetPath,
    IReadOnlyList<string> ProjectFiles)
{
    /// <summary>A global property the design-time pass sets so that CoreCompile runs even when it is up to date, without compiling.</summary>
    private const string NonExistentFile = "__HoistDevNonExistentSubDir__/__NonExistentFile__";

    /// <summary>The C# files the compile reads that belong to the app (the ones a save may change), by full path.</summary>
    public IReadOnlySet<string> SourceFiles { get; } = Parsed.SourceFiles.Select(f => Path.GetFullPath(f.Path)).ToHashSet(StringComparer.Ordinal);

    public string ProjectDirectory => Path.GetDirectoryName(ProjectPath)!;

    /// <summary>Every file the compile reads besides the C# sources: a change to one means MSBuild must look again.</summary>
    public IEnumerable<string> WatchedFiles =>
    [
        .. ProjectFiles,
        .. Parsed.MetadataReferences.Select(r => Path.GetFullPath(r.Reference, Parsed.BaseDirectory ?? ProjectDirectory)),
        .. Parsed.AnalyzerReferences.Select(a => Path.GetFullPath(a.FilePath, Parsed.BaseDirectory ?? ProjectDirectory)),
        .. Parsed.AnalyzerConfigPaths,
        .. Parsed.AdditionalFiles.Select(f => f.Path),
    ];

    /// <summary>Where <c>dotnet build</c>'s compiler wrote the assembly (obj/), before the copy to <see cref="TargetPath"/>.</summary>
    public string IntermediateAssembly => Path.Combine(Parsed.OutputDirectory, Parsed.OutputFileName ?? Parsed.CompilationName + ".dll");

    /// <summary>
    /// The MSBuild call: the Compile target (reference resolution and the generated sources included) with the
    /// compiler itself skipped, after a build of the project references that the caller's build already did.
    /// </summary>
    public static IReadOnlyList<string> MsbuildArguments(string project, string configuration, IEnumerable<string> buildProperties) =>
    [
        "msbuild", project, "-nologo", "-t:Compile", $"-p:Configuration={configuration}",
        .. buildProperties,
        "-p:BuildProjectReferences=false", "-p:ProvideCommandLineArgs=true", "-p:SkipCompilerExecution=true", $"-p:NonExistentFile={NonExistentFile}",
        "-getItem:CscCommandLineArgs", "-getProperty:TargetPath", "-getProperty:Language", "-getProperty:MSBuildProjectExtensionsPath",
    ];

    /// <summary>Reads the project's compile inputs from MSBuild; throws <see cref="CliException"/> when it cannot.</summary>
    public static async Task<CompileInputs> ReadAsync(string project, string configuration, IEnumerable<string> buildProperties, CancellationToken cancellationToken)
    {
        var result = await DotnetProcess.RunAsync(MsbuildArguments(project, configuration, buildProperties), Path.GetDirectoryName(project)!, null, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new CliException(new CliError(
                $"cannot read the compiler's inputs for {Path.GetFileName(project)} from MSBuild (exit code {result.ExitCode})",
                "dotnet build shows the full output")
            {
                Details = result.ErrorLines(),
            });
        }

        return Parse(project, result.Lines);
    }

    /// <summary>Parses MSBuild's <c>-getItem/-getProperty</c> JSON into the compiler's arguments.</summary>
    public static CompileInputs Parse(string project, IEnumerable<string> lines)
    {
        var text = string.Join('\n', lines);
        var start = text.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            throw new CliException($"MSBuild printed no compiler inputs for {Path.GetFileName(project)}", "dotnet build shows the full output");
        }

        using var document = JsonDocument.Parse(text[start..]);
        var root = document.RootElement;
        var properties = root.GetProperty("Properties");
        var language = properties.TryGetProperty("Language", out var l) ? l.GetString() : "C#";
        if (language != "C#")
        {
            throw new CliException($"{Path.GetFileName(project)} is a {language} project; hoist dev compiles C# in process", "use hoist sync after each dotnet build");
        }

        var arguments = root.GetProperty("Items").TryGetProperty("CscCommandLineArgs", out var items)
            ? items.EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!).ToArray()
            : [];
        if (arguments.Length == 0)
        {
            throw new CliException($"MSBuild ran no C# compile for {Path.GetFileName(project)}", "check that the project builds with dotnet build");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(project))!;
        var parsed = CSharpCommandLineParser.Default.Parse(arguments, directory, sdkDirectory: null);
        if (parsed.Errors.FirstOrDefault(e => e.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) is { } error)
        {
            throw new CliException($"the compiler's command line for {Path.GetFileName(project)} does not parse: {error}", "dotnet build shows the full output");
        }

        var targetPath = properties.GetProperty("TargetPath").GetString() ?? "";
        var assets = properties.TryGetProperty("MSBuildProjectExtensionsPath", out var ext) && ext.GetString() is { Length: > 0 } extensions
            ? Path.Combine(Path.GetFullPath(extensions, directory), "project.assets.json")
            : Path.Combine(directory, "obj", "project.assets.json");
        return new CompileInputs(Path.GetFullPath(project), arguments, parsed, targetPath, ProjectFilesOf(Path.GetFullPath(project), assets));
    }

    /// <summary>
    /// The files whose change changes the compile itself: the project, every <c>Directory.Build.props</c>,
    /// <c>Directory.Build.targets</c> and <c>Directory.Packages.props</c> from its folder up (as MSBuild finds
    /// them), and the restore's assets file (a package or project reference changed).
    /// </summary>
    public static IReadOnlyList<string> ProjectFilesOf(string project, string assetsFile)
    {
        var files = new List<string> { project, assetsFile };
        for (var folder = new DirectoryInfo(Path.GetDirectoryName(project)!); folder is not null; folder = folder.Parent)
        {
            foreach (var name in ProjectImportNames)
            {
                var candidate = Path.Combine(folder.FullName, name);
                if (File.Exists(candidate))
                {
                    files.Add(candidate);
                }
            }
        }

        return files;
    }

    /// <summary>File names MSBuild imports by convention; a change to one is a change to the project.</summary>
    public static readonly ImmutableArray<string> ProjectImportNames =
        ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "Directory.Solution.props", "NuGet.config", "nuget.config", "global.json"];
}

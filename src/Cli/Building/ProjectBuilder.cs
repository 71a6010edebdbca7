using System.Text.Json;

namespace Hoist.Cli.Building;

/// <summary>
/// A built app as the commands need it: its assembly, the folder its settings live in, and the Hoist build
/// properties (<c>HoistAppName</c>, <c>HoistImage</c>, <c>HoistNamespace</c>) its build-time manifests use.
/// </summary>
internal sealed record BuiltApp(string AssemblyPath, string AppName, string SettingsDirectory)
{
    public string? ProjectPath { get; init; }

    public string? ImageProperty { get; init; }

    public string? NamespaceProperty { get; init; }
}

/// <summary>Builds a project with <c>dotnet build</c> and asks MSBuild where its assembly went.</summary>
internal static class ProjectBuilder
{
    private static readonly string[] s_properties = ["TargetPath", "AssemblyName", "HoistAppName", "HoistImage", "HoistNamespace"];

    /// <summary>
    /// The property a dev loop's builds pass: no manifest emit (src/Runtime/build/Hoist.targets), since nothing
    /// deploys from them; a normal build still writes the manifests.
    /// </summary>
    public const string DevLoopProperty = "-p:HoistEmitManifests=false";

    /// <summary>For a project: builds it and finds its output; for an assembly: uses it as it is.</summary>
    public static async Task<BuiltApp> BuildAsync(AppInput input, string configuration, TextWriter progress, CancellationToken cancellationToken) =>
        await BuildAsync(input, configuration, [], progress, cancellationToken).ConfigureAwait(false);

    /// <summary>The same, with MSBuild properties (<c>-p:Name=value</c>) for the build and the output lookup alike.</summary>
    public static async Task<BuiltApp> BuildAsync(AppInput input, string configuration, IReadOnlyList<string> properties, TextWriter progress, CancellationToken cancellationToken)
    {
        if (!input.IsProject)
        {
            return new BuiltApp(input.Path, Path.GetFileNameWithoutExtension(input.Path), Path.GetDirectoryName(input.Path)!);
        }

        var directory = Path.GetDirectoryName(input.Path)!;
        await progress.WriteLineAsync($"Building {Path.GetFileName(input.Path)} ({configuration})...").ConfigureAwait(false);
        var build = await DotnetProcess.RunAsync([.. BuildArguments(input.Path, configuration), .. properties], directory, null, cancellationToken).ConfigureAwait(false);
        if (!build.Succeeded)
        {
            throw new CliException(new CliError(
                $"dotnet build {Path.GetFileName(input.Path)} failed (exit code {build.ExitCode})",
                "fix the build errors above; dotnet build shows the full output")
            {
                Details = build.ErrorLines(),
            });
        }

        var found = await GetPropertiesAsync(input.Path, configuration, properties, cancellationToken).ConfigureAwait(false);
        var targetPath = found.GetValueOrDefault("TargetPath");
        if (string.IsNullOrEmpty(targetPath) || !File.Exists(targetPath))
        {
            throw new CliException(
                $"dotnet build {Path.GetFileName(input.Path)} succeeded but its assembly is not at '{targetPath}'",
                "pass the built .dll instead of the project");
        }

        var appName = found.GetValueOrDefault("HoistAppName") is { Length: > 0 } hoistAppName ? hoistAppName
            : found.GetValueOrDefault("AssemblyName") is { Length: > 0 } assemblyName ? assemblyName
            : Path.GetFileNameWithoutExtension(targetPath);
        return new BuiltApp(targetPath, appName, directory)
        {
            ProjectPath = input.Path,
            ImageProperty = NullIfEmpty(found.GetValueOrDefault("HoistImage")),
            NamespaceProperty = NullIfEmpty(found.GetValueOrDefault("HoistNamespace")),
        };
    }

    public static IReadOnlyList<string> BuildArguments(string project, string configuration) =>
        ["build", project, "-c", configuration, "-nologo", "-v", "q", "-clp:NoSummary"];

    public static IReadOnlyList<string> PropertyArguments(string project, string configuration) =>
        ["msbuild", project, "-nologo", $"-p:Configuration={configuration}", .. s_properties.Select(p => $"-getProperty:{p}")];

    /// <summary>Reads MSBuild's <c>-getProperty</c> answer: <c>{"Properties": {"Name": "value", ...}}</c>.</summary>
    public static IReadOnlyDictionary<string, string> ParseProperties(IEnumerable<string> lines)
    {
        var text = string.Join('\n', lines);
        var start = text.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            throw new FormatException("MSBuild printed no properties.");
        }

        using var document = JsonDocument.Parse(text[start..]);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty("Properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                result[property.Name] = property.Value.GetString() ?? "";
            }
        }

        return result;
    }

    private static async Task<IReadOnlyDictionary<string, string>> GetPropertiesAsync(string project, string configuration, IReadOnlyList<string> properties, CancellationToken cancellationToken)
    {
        var result = await DotnetProcess.RunAsync([.. PropertyArguments(project, configuration), .. properties], Path.GetDirectoryName(project)!, null, cancellationToken).ConfigureAwait(false);
        try
        {
            if (result.Succeeded)
            {
                return ParseProperties(result.Lines);
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            // Reported below with what MSBuild printed.
        }

        throw new CliException(new CliError(
            $"cannot read the output path of {Path.GetFileName(project)} from MSBuild (exit code {result.ExitCode})",
            "pass the built .dll instead of the project")
        {
            Details = result.ErrorLines(),
        });
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

namespace Hoist.Cli.Building;

/// <summary>What a command was pointed at: a project to build, or an assembly already built.</summary>
internal sealed record AppInput(string Path, bool IsProject)
{
    private static readonly string[] s_projectExtensions = [".csproj", ".fsproj", ".vbproj"];

    /// <summary>
    /// A .csproj (or .fsproj, .vbproj), a .dll, a folder holding exactly one project, or, with no path, the
    /// current folder, the way <c>dotnet build</c> finds its project.
    /// </summary>
    public static AppInput Resolve(string? path, bool projectOnly = false)
    {
        var target = System.IO.Path.GetFullPath(string.IsNullOrEmpty(path) ? Directory.GetCurrentDirectory() : path);
        var wanted = projectOnly ? "a project (.csproj)" : "a project (.csproj) or an assembly (.dll)";
        if (Directory.Exists(target))
        {
            var projects = s_projectExtensions.SelectMany(e => Directory.EnumerateFiles(target, "*" + e)).Order(StringComparer.Ordinal).ToArray();
            return projects.Length switch
            {
                1 => new AppInput(projects[0], IsProject: true),
                0 => throw new CliException($"{target} holds no project file", $"pass {wanted}, or run hoist in the project's folder", ExitCodes.Usage),
                _ => throw new CliException(
                    $"{target} holds {projects.Length} project files ({string.Join(", ", projects.Select(System.IO.Path.GetFileName))})",
                    "pass the one to use, e.g. hoist ... " + System.IO.Path.GetFileName(projects[0]),
                    ExitCodes.Usage),
            };
        }

        if (!File.Exists(target))
        {
            throw new CliException($"{target} does not exist", $"pass {wanted}", ExitCodes.Usage);
        }

        if (s_projectExtensions.Contains(System.IO.Path.GetExtension(target), StringComparer.OrdinalIgnoreCase))
        {
            return new AppInput(target, IsProject: true);
        }

        if (!projectOnly && string.Equals(System.IO.Path.GetExtension(target), ".dll", StringComparison.OrdinalIgnoreCase))
        {
            return new AppInput(target, IsProject: false);
        }

        throw new CliException($"{target} is neither {wanted}", projectOnly ? "pass the app's .csproj" : "pass the app's .csproj or its built .dll", ExitCodes.Usage);
    }
}

namespace Hoist.Cli.Compiling;

/// <summary>What one save asks for: nothing, an in-process compile of changed C# files, or a full build and why.</summary>
internal abstract record SaveDecision
{
    private SaveDecision()
    {
    }

    /// <summary>Only editor scratch files moved: nothing the build reads.</summary>
    public sealed record Nothing : SaveDecision;

    /// <summary>Only C# files the compile already reads changed: recompile them in process.</summary>
    public sealed record Compile(IReadOnlyList<string> ChangedFiles) : SaveDecision;

    /// <summary>Something only MSBuild can judge changed: <c>dotnet build</c>, and <see cref="Reason"/> says why.</summary>
    public sealed record Build(string Reason) : SaveDecision;

    /// <summary>
    /// Decides from the paths a save touched (full paths under the project folder, bin/ and obj/ left out) and the
    /// project files and references whose content changed since the compile inputs were read. Anything the
    /// in-process compile cannot vouch for goes to <c>dotnet build</c>: it must never serve code the build would
    /// not produce.
    /// </summary>
    public static SaveDecision For(IReadOnlyCollection<string> touched, IReadOnlySet<string> sourceFiles, string projectDirectory, IReadOnlyList<string> changedInputs, Func<string, bool> exists)
    {
        if (changedInputs.Count > 0)
        {
            return new Build($"{Describe(changedInputs[0], projectDirectory)} changed");
        }

        var compile = new List<string>();
        foreach (var path in touched.Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var relative = Describe(path, projectDirectory);
            if (IsProjectFile(name))
            {
                return new Build($"{relative} changed");
            }

            if (path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
            {
                var known = sourceFiles.Contains(path);
                var present = exists(path);
                if (known && !present)
                {
                    return new Build($"{relative} was deleted");
                }

                if (!known && present)
                {
                    return new Build($"{relative} is new, and the project's globs may compile it");
                }

                if (known)
                {
                    compile.Add(path);
                }

                continue;
            }

            if (IsScratch(name) || (!exists(path) && !Path.HasExtension(name)))
            {
                continue;
            }

            return new Build($"{relative} is not C# source (content, resources or settings the build copies or embeds)");
        }

        return compile.Count == 0 ? new Nothing() : new Compile(compile);
    }

    /// <summary>Project files and the files MSBuild imports by convention.</summary>
    public static bool IsProjectFile(string name) =>
        name.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".props", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".targets", StringComparison.OrdinalIgnoreCase) || CompileInputs.ProjectImportNames.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Files editors write beside the one they save (swap, backup and atomic-save files), never read by a build.</summary>
    public static bool IsScratch(string name) =>
        name.StartsWith('.') || name.EndsWith('~') || name.Contains("___jb_", StringComparison.Ordinal) ||
        name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".swp", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".swx", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".bak", StringComparison.OrdinalIgnoreCase) ||
        (name.Length > 0 && name.All(char.IsAsciiDigit)); // vim's write test, "4913"

    private static string Describe(string path, string projectDirectory)
    {
        var relative = Path.GetRelativePath(projectDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative.Replace('\\', '/');
    }
}

/// <summary>
/// The length and write time of each file the compile inputs came from (the project, its imports, the restore's
/// assets, every reference and analyzer), taken when they were read: a later difference means MSBuild must look again.
/// </summary>
internal sealed class InputStamps
{
    private readonly Dictionary<string, (long Length, DateTime Written)> _stamps;

    private InputStamps(Dictionary<string, (long Length, DateTime Written)> stamps) => _stamps = stamps;

    public static InputStamps Take(IEnumerable<string> files) =>
        new(files.Distinct(StringComparer.Ordinal).ToDictionary(f => f, Stamp, StringComparer.Ordinal));

    /// <summary>The files that changed, appeared or went away since <see cref="Take"/>.</summary>
    public IReadOnlyList<string> Changed() => _stamps.Where(pair => Stamp(pair.Key) != pair.Value).Select(pair => pair.Key).ToArray();

    private static (long, DateTime) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : (-1, DateTime.MinValue);
    }
}

namespace Hoist.Testing;

/// <summary>
/// tests/Fixtures/WarmApp built as each of its variants (v1, v2, broken, renamed) into folders of their own, once, in a
/// temporary folder. <see cref="Install"/> copies a variant over an app folder, file by file, as <c>dotnet build</c>
/// overwrites its bin folder: the same app, a different build.
/// </summary>
internal sealed class WarmAppBuilds : IDisposable
{
    public static readonly string[] Variants = ["v1", "v2", "broken", "renamed"];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("hoist-warm-app-");

    private WarmAppBuilds(string configuration) => Configuration = configuration;

    public string Configuration { get; }

    public string Root => _root.FullName;

    public string OutputOf(string variant) => Path.Combine(Root, "out", variant);

    /// <summary>Builds every variant; src/ must already be built in <paramref name="configuration"/>.</summary>
    public static async Task<WarmAppBuilds> BuildAsync(string configuration)
    {
        var builds = new WarmAppBuilds(configuration);
        var project = Path.Combine(builds.Root, "WarmApp");
        Directory.CreateDirectory(project);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", "Fixtures", "WarmApp")).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
        }

        DotnetBuild.ImportRepositorySettings(builds.Root);
        var restore = true;
        foreach (var variant in Variants)
        {
            string[] arguments =
            [
                "build", Path.Combine(project, "WarmApp.csproj"), "-c", configuration, "-nologo", "-v:q", "-nodeReuse:false",
                "-p:BuildProjectReferences=false", $"-p:WarmVariant={variant}",
                .. restore ? Array.Empty<string>() : ["--no-restore"],
            ];
            var result = await ChildProcess.RunAsync(DotnetBuild.Dotnet, arguments, builds.Root, BuildTimeout, DotnetBuild.CleanEnvironment());
            if (result.ExitCode != 0)
            {
                builds.Dispose();
                throw new InvalidOperationException($"Building WarmApp variant {variant} failed:\n{result.Combined}");
            }

            restore = false;
            CopyFolder(Path.Combine(project, "bin", configuration, "net10.0"), builds.OutputOf(variant));
        }

        return builds;
    }

    /// <summary>Copies a variant's build output over <paramref name="appFolder"/>, overwriting what is there.</summary>
    public void Install(string variant, string appFolder) => CopyFolder(OutputOf(variant), appFolder);

    private static void CopyFolder(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy, overwrite: true);
        }
    }

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Reflection;
using Hoist.Testing;

namespace Hoist.Build.Tests;

/// <summary>
/// A copy of tests/Fixtures/ServiceLibrary in a temporary folder, built once with <c>dotnet build</c> on creation.
/// It references Hoist in this repository by absolute path and builds with <c>BuildProjectReferences=false</c>,
/// so the tests only ever build the copy: never src/, which other test assemblies may be running from.
/// </summary>
public class ServiceLibraryCopy : IAsyncLifetime
{
    public const string AssemblyName = "ServiceLibrary";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("hoist-build-tests-");

    /// <summary>The configuration this test assembly was built in: src/ has been built in it.</summary>
    public static string Configuration { get; } =
        typeof(ServiceLibraryCopy).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public string ProjectDirectory => Path.Combine(_root.FullName, "ServiceLibrary");

    public string OutputDirectory => Path.Combine(ProjectDirectory, "bin", Configuration, "net10.0");

    public string AssemblyPath => Path.Combine(OutputDirectory, AssemblyName + ".dll");

    public string ManifestsDirectory => Path.Combine(OutputDirectory, "manifests");

    public string StampPath => Path.Combine(ProjectDirectory, "obj", Configuration, "net10.0", "hoist.manifests.stamp");

    /// <summary>The manifests folder as the first build left it, copied before any test changed anything.</summary>
    public string FirstBuildManifests => Path.Combine(_root.FullName, "first-build-manifests");

    public string FirstBuildLog { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ProjectDirectory);
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.ServiceLibrary).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(ProjectDirectory, Path.GetFileName(file)));
        }

        DotnetBuild.ImportRepositorySettings(_root.FullName);
        Prepare();

        var (exitCode, log) = await BuildAsync(restore: true);
        FirstBuildLog = log;
        Assert.True(exitCode == 0, $"The first build of the fixture failed:\n{log}");

        Directory.CreateDirectory(FirstBuildManifests);
        if (Directory.Exists(ManifestsDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(ManifestsDirectory))
            {
                File.Copy(file, Path.Combine(FirstBuildManifests, Path.GetFileName(file)));
            }
        }
    }

    /// <summary>Changes the copied project before its first build.</summary>
    protected virtual void Prepare()
    {
    }

    /// <summary><c>dotnet build</c> of the copy at normal verbosity, so the log says which targets ran or were skipped.</summary>
    public Task<(int ExitCode, string Log)> BuildAsync(params string[] properties) => BuildAsync(restore: false, properties);

    private async Task<(int ExitCode, string Log)> BuildAsync(bool restore, params string[] properties)
    {
        string[] arguments =
        [
            "build", Path.Combine(ProjectDirectory, "ServiceLibrary.csproj"),
            "-c", Configuration, "-v:n", "-nologo", "-nodeReuse:false", "-p:BuildProjectReferences=false",
            .. restore ? Array.Empty<string>() : ["--no-restore"],
            .. properties.Select(p => "-p:" + p),
        ];

        return await ProcessRunner.RunAsync(DotnetBuild.Dotnet, arguments, _root.FullName, BuildTimeout, DotnetBuild.CleanEnvironment());
    }

    public Task DisposeAsync()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a build process that is ending: the temporary folder is left to the OS.
        }

        return Task.CompletedTask;
    }
}

using Hoist.Testing;

namespace Hoist.Cli.Tests;

/// <summary>What one run of the hoist tool did.</summary>
public sealed record HoistRun(int ExitCode, string Output, string Error)
{
    public IReadOnlyList<string> ErrorLines => Error.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>
/// Runs the built tool as a user would (<c>dotnet exec Hoist.Cli.dll ...</c>), with the environment the test
/// chooses, and finds the repository's build outputs the tests point it at.
/// </summary>
public static class HoistProcess
{
    public static string RepositoryRoot => Repository.Root;

    /// <summary>"Debug" or "Release": the configuration these tests were built in, and so the projects they reference.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string Output(string projectFolder, string assembly) =>
        Path.Combine(RepositoryRoot, projectFolder, "bin", Configuration, "net10.0", assembly);

    public static string CliAssembly => Output("src/Cli", "Hoist.Cli.dll");

    public static async Task<HoistRun> RunAsync(IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var result = await ChildProcess.RunAsync("dotnet", ["exec", CliAssembly, .. arguments], workingDirectory, timeout ?? TimeSpan.FromSeconds(60), environment);
        return new HoistRun(result.ExitCode, result.Output, result.Error);
    }

    /// <summary>
    /// An environment with no cluster anywhere: no KUBECONFIG, a home without ~/.kube, not in a pod. The NuGet
    /// packages folder stays the machine's: a build the tool starts restores this repository's projects, and
    /// their restore output must keep pointing at packages that outlive the test.
    /// </summary>
    public static Dictionary<string, string?> WithoutCluster(string home) => new()
    {
        ["KUBECONFIG"] = null,
        ["KUBERNETES_SERVICE_HOST"] = null,
        ["KUBERNETES_SERVICE_PORT"] = null,
        ["HOME"] = home,
        ["NUGET_PACKAGES"] = MachinePackages,
    };

    /// <summary>
    /// For commands that build a project of this repository and need no cluster: the machine's own home, so
    /// the restore the build runs leaves the projects' restore output exactly as it was.
    /// </summary>
    public static Dictionary<string, string?> BuildingInPlace() => new()
    {
        ["KUBECONFIG"] = null,
        ["KUBERNETES_SERVICE_HOST"] = null,
        ["KUBERNETES_SERVICE_PORT"] = null,
    };

    private static string MachinePackages { get; } = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}

/// <summary>A temporary folder, deleted with everything in it.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hoist-cli-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a worker that is still exiting may hold a file for a moment.
        }
    }
}

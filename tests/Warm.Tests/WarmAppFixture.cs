using System.Diagnostics;
using System.Reflection;
using Hoist.Testing;

namespace Hoist.Warm.Tests;

/// <summary>The WarmApp variants, built once for every test in the collection.</summary>
public sealed class WarmAppFixture : IAsyncLifetime
{
    private WarmAppBuilds? _builds;

    internal WarmAppBuilds Builds => _builds ?? throw new InvalidOperationException("not built");

    public async Task InitializeAsync()
    {
        var configuration = typeof(WarmAppFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        _builds = await WarmAppBuilds.BuildAsync(configuration);
    }

    public Task DisposeAsync()
    {
        _builds?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class WarmCollection : ICollectionFixture<WarmAppFixture>
{
    public const string Name = "warm app";
}

/// <summary>One answer line the app printed: "answers v2 4242 0".</summary>
public sealed record AnswerLine(string Service, string Variant, int ProcessId, int Rank);

/// <summary>
/// One developer's machine for one test: an app folder that builds are installed over, and a private runtime
/// folder (XDG_RUNTIME_DIR) so its warm workers and their records are its own. Disposing stops every warm worker.
/// </summary>
internal sealed class WarmMachine : IAsyncDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    private readonly WarmAppFixture _fixture;
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("hoist-warm-");

    public WarmMachine(WarmAppFixture fixture)
    {
        _fixture = fixture;
        Directory.CreateDirectory(AppFolder);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(RuntimeFolder);
        }
        else
        {
            // Like a real XDG_RUNTIME_DIR: private to its user.
            Directory.CreateDirectory(RuntimeFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string AppFolder => Path.Combine(_root.FullName, "app");

    public string RuntimeFolder => Path.Combine(_root.FullName, "runtime");

    /// <summary>Where the warm records live, as the runtime computes it under this machine's XDG_RUNTIME_DIR.</summary>
    public string WarmRoot => Path.Combine(RuntimeFolder, "hoist", "warm");

    public void Install(string variant) => _fixture.Builds.Install(variant, AppFolder);

    public IReadOnlyDictionary<string, string?> Environment(bool keepWarm = true) => new Dictionary<string, string?>
    {
        ["XDG_RUNTIME_DIR"] = RuntimeFolder,
        ["Hoist__Local__KeepWarm"] = keepWarm ? "true" : "false",
        ["DOTNET_ENVIRONMENT"] = "Production",
    };

    /// <summary>Runs the app as a user would, calling the named services once each.</summary>
    public async Task<ChildProcessResult> RunAsync(params string[] services)
    {
        return await ChildProcess.RunAsync(Path.Combine(AppFolder, "WarmApp"), services, AppFolder, RunTimeout, Environment());
    }

    public async Task<IReadOnlyList<AnswerLine>> AnswersAsync(params string[] services)
    {
        var result = await RunAsync(services);
        Assert.True(result.ExitCode == 0, $"WarmApp {string.Join(' ', services)} failed with {result.ExitCode}:\n{result.Combined}");
        return Parse(result.Output);
    }

    public static IReadOnlyList<AnswerLine> Parse(string output) =>
        output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length == 4 && int.TryParse(fields[2], out _))
            .Select(fields => new AnswerLine(fields[0], fields[1], int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();

    public static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Backends.Local.WarmWorkers.StopAllAsync(WarmRoot, TimeSpan.FromSeconds(5));
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

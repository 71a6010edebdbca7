using System.Collections.Concurrent;
using System.Reflection;

namespace Hoist.CodeSync;

/// <summary>
/// The build output of the app this process runs, as workers should run it: the app assembly that declares a
/// service (or the running app), its folder, and that folder's <see cref="AppManifest"/>, hashed once per run —
/// a run's build does not change under it.
/// </summary>
internal sealed class AppBuild
{
    private static readonly ConcurrentDictionary<string, AppBuild> s_builds = new(StringComparer.Ordinal);
    private readonly Lazy<AppManifest> _manifest;

    private AppBuild(string assemblyPath)
    {
        AssemblyPath = assemblyPath;
        Folder = Path.GetDirectoryName(assemblyPath)!;
        _manifest = new(() => AppManifest.Scan(Folder));
    }

    public string AssemblyPath { get; }

    public string Folder { get; }

    public AppManifest Manifest => _manifest.Value;

    /// <summary>The build that runs <paramref name="assemblyName"/>'s services.</summary>
    public static AppBuild For(string? assemblyName) => s_builds.GetOrAdd(AppAssemblyPath(assemblyName), path => new AppBuild(path));

    /// <summary>The app assembly workers of a service run: the one declaring it when it is an app, else the running app.</summary>
    public static string AppAssemblyPath(string? assemblyName)
    {
        var declaring = AppDomain.CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => string.Equals(a.GetName().Name, assemblyName, StringComparison.Ordinal));
        var app = declaring?.EntryPoint is not null ? declaring : Assembly.GetEntryAssembly();
        if (app is null || string.IsNullOrEmpty(app.Location))
        {
            throw new InvalidOperationException(
                "Hoist cannot find this app's executable to run workers from (no entry assembly on disk).");
        }

        return app.Location;
    }
}

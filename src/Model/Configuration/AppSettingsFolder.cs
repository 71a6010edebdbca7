namespace Hoist.Configuration;

/// <summary>
/// The folder whose appsettings.json the app reads: the current one, as for any host, unless it has none and the
/// app's own folder has one (the build copies it there): then an app run from elsewhere (<c>dotnet bin/.../App.dll</c>)
/// reads the same settings its build's manifest emit read. Relative settings paths (<c>Hoist:Kubernetes:PodTemplate</c>)
/// are read from it too.
/// </summary>
internal static class AppSettingsFolder
{
    private const string Settings = "appsettings.json";

    /// <summary>The content root for the app's host, or null for the host's default (the current folder).</summary>
    public static string? ContentRoot() =>
        !File.Exists(Path.Combine(Directory.GetCurrentDirectory(), Settings)) && File.Exists(Path.Combine(AppContext.BaseDirectory, Settings))
            ? AppContext.BaseDirectory
            : null;

    /// <summary>The folder itself.</summary>
    public static string Resolve() => ContentRoot() ?? Directory.GetCurrentDirectory();
}

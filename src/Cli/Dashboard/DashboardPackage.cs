using System.Runtime.InteropServices;
using Hoist.Cli.Building;

namespace Hoist.Cli.Dashboard;

/// <summary>
/// The standalone Aspire dashboard, a NuGet package per platform (Aspire.Dashboard.Sdk.&lt;rid&gt;) whose tools/ folder
/// holds a self-contained executable. Found in the NuGet packages folder, or restored there on first use by a
/// one-line project that only downloads it, kept in the user's cache ($XDG_CACHE_HOME/hoist/dashboard).
/// </summary>
internal static class DashboardPackage
{
    public const string Version = "13.6.5";

    /// <summary>The package for this machine ("Aspire.Dashboard.Sdk.linux-x64"), or null where Aspire ships none.</summary>
    public static string? Id { get; } = RuntimeInformation.RuntimeIdentifier switch
    {
        var rid when rid.StartsWith("linux-musl", StringComparison.Ordinal) => null,
        var rid when Supported.Contains(rid) => $"Aspire.Dashboard.Sdk.{rid}",
        _ => (OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsWindows() ? "win" : null, RuntimeInformation.OSArchitecture) switch
        {
            ({ } os, Architecture.X64) => $"Aspire.Dashboard.Sdk.{os}-x64",
            ({ } os, Architecture.Arm64) => $"Aspire.Dashboard.Sdk.{os}-arm64",
            _ => null,
        },
    };

    private static readonly string[] Supported = ["linux-x64", "linux-arm64", "osx-x64", "osx-arm64", "win-x64", "win-arm64"];

    /// <summary>The NuGet packages folder: $NUGET_PACKAGES, else ~/.nuget/packages, where restore puts the package.</summary>
    public static string PackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>Where the restore project lives: a per-user cache folder.</summary>
    public static string CacheFolder => Transport.PrivateFolder.UserFolder("XDG_CACHE_HOME", ".cache", "dashboard");

    /// <summary>The dashboard's executable in the packages folder, whether or not it is there yet.</summary>
    public static string Executable(string packageId) =>
        Path.Combine(PackagesFolder, packageId.ToLowerInvariant(), Version, "tools", OperatingSystem.IsWindows() ? "Aspire.Dashboard.exe" : "Aspire.Dashboard");

    /// <summary>The executable, restoring the package first when it is not in the packages folder; <paramref name="progress"/> hears when that happens.</summary>
    public static async Task<string> EnsureAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        var id = Id ?? throw new CliException(
            $"the Aspire dashboard has no package for this platform ({RuntimeInformation.RuntimeIdentifier})",
            "run the dashboard's container image instead (mcr.microsoft.com/dotnet/aspire-dashboard) and set OTEL_EXPORTER_OTLP_ENDPOINT to its OTLP port");
        var executable = Executable(id);
        if (File.Exists(executable))
        {
            return executable;
        }

        progress($"Restoring {id} {Version} (first use only)...");
        var folder = Transport.PrivateFolder.Ensure(CacheFolder);
        var project = Path.Combine(folder, "AspireDashboard.csproj");

        // A project that builds nothing and only downloads the package, away from any Directory.Build.props or
        // central package management of the folder hoist runs in.
        await File.WriteAllTextAsync(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageDownload Include="{id}" Version="[{Version}]" />
              </ItemGroup>
            </Project>
            """, cancellationToken).ConfigureAwait(false);
        var restore = await DotnetProcess.RunAsync(
            ["restore", project, "-p:ImportDirectoryBuildProps=false", "-p:ImportDirectoryBuildTargets=false", "-p:ImportDirectoryPackagesProps=false"],
            folder, onLine: null, cancellationToken).ConfigureAwait(false);
        if (!restore.Succeeded || !File.Exists(executable))
        {
            throw new CliException(new CliError(
                $"the Aspire dashboard package {id} {Version} could not be restored",
                "check that this machine reaches your NuGet feed (dotnet restore uses its nuget.config), then run hoist dashboard again")
            {
                Details = restore.ErrorLines(),
            });
        }

        return executable;
    }
}

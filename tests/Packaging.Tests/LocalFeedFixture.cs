namespace Hoist.Packaging.Tests;

/// <summary>
/// Packs Hoist into a feed of its own, as `dotnet pack` gives a user, and a NuGet.config that takes Hoist's
/// packages from that feed only. The version is new each run and restores use their own packages folder, so
/// a package is always the one just packed; everything else falls back to the machine's folder and nuget.org.
/// </summary>
public sealed class LocalFeedFixture : IAsyncLifetime
{
    /// <summary>A version no cache has seen: whatever a developer restored before cannot stand in for it.</summary>
    public static readonly string Version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";

    public string Root { get; } = Directory.CreateTempSubdirectory("hoist-fresh-").FullName;

    public string Feed => Path.Combine(Root, "feed");

    public string Packages => Path.Combine(Root, "packages");

    public static string RepositoryRoot => Hoist.Testing.Repository.Root;

    public async Task InitializeAsync()
    {
        foreach (var project in new[] { "src/Attributes/Attributes.csproj", "src/Model/Model.csproj", "src/Wire/Wire.csproj", "src/Runtime/Runtime.csproj" })
        {
            // PackageVersion names the package only. --no-build packs the Release build the test run stands on
            // (.ci/test builds Framework.sln first): a build here would rewrite bin/ files, such as the deps.json,
            // that test assemblies running beside this one are reading or building.
            await Dotnet.RunAsync(RepositoryRoot, "pack", project, "-c", "Release", "--no-build", "-o", Feed, "--nologo", $"-p:PackageVersion={Version}");
        }

        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(Root, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Packages}" />
              </config>
              <packageSources>
                <clear />
                <add key="hoist-local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="hoist-local">
                  <package pattern="Hoist" />
                  <package pattern="Hoist.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
              <fallbackPackageFolders>
                <add key="machine" value="{globalPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        // Nothing of this repository's build setup may leak into the fresh projects.
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Build.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Build.targets"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Packages.props"), "<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

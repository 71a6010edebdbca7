namespace Hoist.Build.Tests;

/// <summary>
/// An app's appsettings*.json land in its output, so <c>dotnet bin/.../App.dll</c> run from any folder has the
/// settings the build-time emit read; a project's own CopyToOutputDirectory wins.
/// </summary>
public sealed class AppSettingsCopyTests(ServiceAppCopy app) : IClassFixture<ServiceAppCopy>
{
    [Fact]
    public void AppBuild_CopiesAppSettings_ToTheOutput_AsTheEmitReadThem()
    {
        Assert.Equal(ServiceAppCopy.AppSettings, File.ReadAllText(Path.Combine(app.OutputDirectory, "appsettings.json")));
        Assert.Equal(ServiceAppCopy.ProductionSettings, File.ReadAllText(Path.Combine(app.OutputDirectory, "appsettings.Production.json")));

        // The emit read the same file: its override is in the manifest.
        Assert.Contains("autoscaling.knative.dev/max-scale: \"7\"", File.ReadAllText(Path.Combine(app.FirstBuildManifests, "scorer.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void ProjectsOwnCopyToOutputDirectory_Wins()
    {
        Assert.True(File.Exists(Path.Combine(app.ProjectDirectory, "appsettings.Development.json")));
        Assert.False(File.Exists(Path.Combine(app.OutputDirectory, "appsettings.Development.json")),
            "appsettings.Development.json was copied although the project said CopyToOutputDirectory=\"Never\".");
    }

    [Fact]
    public async Task CopySwitchedOff_CopiesNothing()
    {
        var copied = Path.Combine(app.OutputDirectory, "appsettings.json");
        File.Delete(copied);

        var (exitCode, log) = await app.BuildAsync("HoistCopyAppSettings=false");
        Assert.True(exitCode == 0, log);
        Assert.False(File.Exists(copied), "HoistCopyAppSettings=false still copied appsettings.json.");

        // Switched on again (the default), the next build copies it.
        (exitCode, log) = await app.BuildAsync();
        Assert.True(exitCode == 0, log);
        Assert.Equal(ServiceAppCopy.AppSettings, File.ReadAllText(copied));
    }
}

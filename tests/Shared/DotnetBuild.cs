namespace Hoist.Testing;

/// <summary>
/// How tests build a fixture project copied out of the repository: the dotnet that runs them, an environment
/// clean of the MSBuild variables `dotnet test` leaves behind, and the imports that make the copy see the
/// repository's build settings and package versions.
/// </summary>
internal static class DotnetBuild
{
    /// <summary>The dotnet that runs these tests, so the build uses the same SDK.</summary>
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>The test host inherits MSBuild's variables from `dotnet test`; a nested build must start clean of them.</summary>
    public static Dictionary<string, string?> CleanEnvironment()
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["MSBUILDDISABLENODEREUSE"] = "1",
        };
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) && name != "MSBUILDDISABLENODEREUSE")
            {
                environment[name] = null;
            }
        }

        return environment;
    }

    /// <summary>
    /// Makes a folder outside the repository build like one inside it: tests/Directory.Build.props (RepositoryRoot,
    /// warnings as errors) and the central package versions.
    /// </summary>
    public static void ImportRepositorySettings(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "Directory.Build.props"),
            $"<Project><Import Project=\"{Path.Combine(Repository.Root, "tests", "Directory.Build.props")}\" /></Project>");
        File.WriteAllText(Path.Combine(folder, "Directory.Packages.props"),
            $"<Project><Import Project=\"{Path.Combine(Repository.Root, "Directory.Packages.props")}\" /></Project>");
    }
}

using Hoist.Testing;

namespace Hoist.Packaging.Tests;

/// <summary>Runs the dotnet CLI the way a user would, and fails with its output when it fails.</summary>
internal static class Dotnet
{
    // A fresh project must not inherit this test run's MSBuild state.
    private static readonly Dictionary<string, string?> s_environment = new()
    {
        ["MSBuildExtensionsPath"] = null,
        ["MSBuildSDKsPath"] = null,
        ["MSBUILD_EXE_PATH"] = null,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public static async Task<string> RunAsync(string workingDirectory, params string[] arguments)
    {
        var result = await ChildProcess.RunAsync(
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", arguments, workingDirectory, TimeSpan.FromMinutes(5), s_environment);
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Combined}");
        return result.Combined;
    }
}

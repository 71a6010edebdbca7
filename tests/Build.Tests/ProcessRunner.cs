using Hoist.Testing;

namespace Hoist.Build.Tests;

/// <summary>Runs a process to the end with both its streams as one text, as the build tests read it.</summary>
internal static class ProcessRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var result = await ChildProcess.RunAsync(fileName, arguments, workingDirectory, timeout, environment);
        return (result.ExitCode, result.Combined);
    }
}

using System.Diagnostics;
using System.Text;

namespace Hoist.Testing;

/// <summary>What a process the tests ran printed, and how it ended.</summary>
internal sealed record ChildProcessResult(int ExitCode, string Output, string Error)
{
    /// <summary>Both streams, stdout first, for messages that quote everything.</summary>
    public string Combined => Output + Error;
}

/// <summary>
/// Runs a program to the end as a user would, capturing stdout and stderr; past its time limit the whole
/// process tree is killed and the test fails with what it printed. Environment values of null are removed.
/// </summary>
internal static class ChildProcess
{
    public static async Task<ChildProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}:\n{await output}{await error}");
        }

        return new ChildProcessResult(process.ExitCode, await output, await error);
    }
}

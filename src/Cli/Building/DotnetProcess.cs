using System.Diagnostics;

namespace Hoist.Cli.Building;

/// <summary>The result of a child <c>dotnet</c> process: its exit code and everything it printed, in order.</summary>
internal sealed partial record ProcessResult(int ExitCode, IReadOnlyList<string> Lines)
{
    [System.Text.RegularExpressions.GeneratedRegex(@"error [A-Z]+[0-9]+:\s+(at |---|End of)")]
    private static partial System.Text.RegularExpressions.Regex StackFrame();

    public bool Succeeded => ExitCode == 0;

    /// <summary>The lines MSBuild marks as errors, or the last lines when it marked none: what a failure shows.</summary>
    public IReadOnlyList<string> ErrorLines(int max = 20)
    {
        // A task that throws logs its stack trace as one error per frame: the message says enough.
        var errors = Lines.Where(l => l.Contains(": error ", StringComparison.Ordinal) || l.StartsWith("error", StringComparison.OrdinalIgnoreCase))
            .Where(l => !StackFrame().IsMatch(l))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return (errors.Length > 0 ? errors : Lines.Where(l => l.Trim().Length > 0).ToArray()).TakeLast(max).ToArray();
    }
}

/// <summary>Runs the .NET SDK (<c>dotnet build</c>, <c>dotnet msbuild</c>, <c>dotnet publish</c>) as a child process.</summary>
internal static class DotnetProcess
{
    /// <summary>The SDK's host: the one that runs this tool when that is dotnet, else DOTNET_HOST_PATH, else "dotnet" on PATH.</summary>
    public static string Host
    {
        get
        {
            if (Environment.ProcessPath is { } current && Path.GetFileNameWithoutExtension(current) == "dotnet")
            {
                return current;
            }

            return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        }
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/>, collecting its output; <paramref name="onLine"/> sees
    /// each line as it comes. Cancelling kills the whole process tree.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(IReadOnlyList<string> arguments, string workingDirectory, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Host)
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

        // The child's output is read, not shown in a terminal: no colours, no first-run banners, no build server
        // left behind by a one-shot tool.
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDTERMINALLOGGER"] = "off";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

        // Run from `dotnet run` or a test host, hoist inherits that MSBuild's paths; a build of its own must find its own.
        foreach (var name in (string[])["MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH"])
        {
            start.Environment.Remove(name);
        }

        var lines = new List<string>();
        var gate = new Lock();
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                lines.Add(line);
                onLine?.Invoke(line);
            }
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CliException($"cannot start the .NET SDK ('{Host}'): {ex.Message}", "install the .NET SDK and put dotnet on PATH, or set DOTNET_HOST_PATH");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            throw;
        }

        // WaitForExitAsync returns once the pipes are drained too.
        lock (gate)
        {
            return new ProcessResult(process.ExitCode, lines.ToArray());
        }
    }
}

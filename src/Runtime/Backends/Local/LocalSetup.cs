using System.Diagnostics;
using Hoist.Setup;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Local;

/// <summary>
/// Runs a service's [Setup] steps on this machine before its workers start, once per user and distinct list of steps:
/// a marker file per hash of the list says it already ran, and a lock file held while it runs makes concurrent
/// replicas, services and apps wait for the one that runs it instead of running it again. The steps see the worker's
/// [Env], [Secret] and [Volume] variables; their output goes to the caller's log with secret values masked.
/// </summary>
internal static partial class LocalSetup
{
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The default cache folder, private to the user (<see cref="Hoist.Configuration.LocalBackendOptions.SetupCacheFolder"/>).</summary>
    public static string DefaultFolder() => Transport.PrivateFolder.UserFolder("XDG_CACHE_HOME", ".cache", "setup");

    /// <summary>The marker of a list of steps that ran to the end.</summary>
    public static string MarkerPath(string folder, IReadOnlyList<string> steps) => Path.Combine(folder, SetupSteps.Hash(steps) + ".done");

    /// <summary>Runs the steps unless they already ran; returns how long that took, which counts within LaunchTimeout.</summary>
    /// <exception cref="WorkerLaunchException">A step failed (named, with its stderr), or the steps outlasted <paramref name="timeout"/>.</exception>
    public static async Task RunOnceAsync(
        ServiceDescriptor descriptor,
        IReadOnlyDictionary<string, string> variables,
        IReadOnlyCollection<string> secretValues,
        string folder,
        int stderrLines,
        TimeSpan timeout,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var steps = descriptor.Setup;
        if (steps.Count == 0)
        {
            return;
        }

        // A cache someone else holds is not trusted: a fresh private one means the steps run again, which is safe.
        folder = Transport.PrivateFolder.Settle(folder, Path.Combine(Path.GetTempPath(), "hoist-setup-"), logger);
        var marker = MarkerPath(folder, steps);
        if (IsOwnMarker(marker, descriptor.Name, logger))
        {
            LogAlreadyRan(logger, descriptor.Name, steps.Count, marker);
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await using var held = await LockAsync(Path.ChangeExtension(marker, ".lock"), descriptor.Name, timeout, deadline.Token).ConfigureAwait(false);

        // Whoever held the lock before us may have run the very same list.
        if (IsOwnMarker(marker, descriptor.Name, logger))
        {
            LogAlreadyRan(logger, descriptor.Name, steps.Count, marker);
            return;
        }

        for (var i = 0; i < steps.Count; i++)
        {
            await RunStepAsync(descriptor.Name, steps, i, variables, secretValues, stderrLines, timeout, logger, deadline.Token, cancellationToken).ConfigureAwait(false);
        }

        // Written whole into a new file (O_EXCL, never through a symlink), then renamed: a marker is never half there.
        var written = marker + "." + Transport.PrivateFolder.OwnedName("tmp");
        await using (var stream = new FileStream(Transport.UnixFiles.CreateNew(written), FileAccess.Write))
        await using (var writer = new StreamWriter(stream))
        {
            foreach (var step in steps)
            {
                await writer.WriteLineAsync(step).ConfigureAwait(false);
            }
        }

        File.Move(written, marker, overwrite: true);
    }

    /// <summary>True for a marker this user wrote (a regular file it owns); anything else at that name is ignored, with a warning.</summary>
    private static bool IsOwnMarker(string marker, string service, ILogger logger)
    {
        var facts = Transport.UnixFiles.LStat(marker);
        if (!facts.Exists)
        {
            return false;
        }

        if (facts is { IsRegularFile: true, IsSymlink: false } && facts.Owner == Transport.UnixFiles.EffectiveUserId)
        {
            return true;
        }

        LogForeignMarker(logger, service, marker, facts.Owner, facts.OctalMode);
        return false;
    }

    // An exclusive open is an flock on Unix (a share lock on Windows): it holds across processes and goes away with a
    // process that dies holding it, so a killed run never blocks the next one.
    private static async Task<FileStream> LockAsync(string path, string service, TimeSpan timeout, CancellationToken deadline)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                try
                {
                    await Task.Delay(LockPollInterval, deadline).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    throw new WorkerLaunchException(service, null,
                        $"Service '{service}' failed to launch: its setup steps did not finish within the launch timeout of {timeout.TotalSeconds:0.###} s " +
                        $"while another replica or app ran them (lock {path}).",
                        string.Empty, null);
                }
            }
        }
    }

    private static async Task RunStepAsync(
        string service,
        IReadOnlyList<string> steps,
        int index,
        IReadOnlyDictionary<string, string> variables,
        IReadOnlyCollection<string> secretValues,
        int stderrLines,
        TimeSpan timeout,
        ILogger logger,
        CancellationToken deadline,
        CancellationToken cancellationToken)
    {
        var step = SetupSteps.Describe(steps, index);
        LogRunning(logger, service, step);
        var start = new ProcessStartInfo(SetupSteps.Shell)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(steps[index]);
        foreach (var inherited in start.Environment.Keys.Where(LocalWorkerVariables.IsInheritedSecret).ToArray())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (name, value) in variables)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {SetupSteps.Shell} for {step}.");
        process.StandardInput.Close();
        var stderr = new Queue<string>();
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput, line => LogOutput(logger, LogLevel.Information, service, "stdout", line), secretValues),
            PumpAsync(process.StandardError, line =>
            {
                LogOutput(logger, LogLevel.Warning, service, "stderr", line);
                lock (stderr)
                {
                    stderr.Enqueue(line);
                    if (stderr.Count > stderrLines)
                    {
                        stderr.Dequeue();
                    }
                }
            }, secretValues));

        try
        {
            await process.WaitForExitAsync(deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await pumps.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw Failed(service, step, $"did not finish within the launch timeout of {timeout.TotalSeconds:0.###} s", stderr, null);
        }

        await pumps.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw Failed(service, step, $"failed with exit code {process.ExitCode}", stderr, process.ExitCode);
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> line, IReadOnlyCollection<string> secretValues)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } text)
        {
            line(SetupSteps.Redact(text, secretValues));
        }
    }

    private static WorkerLaunchException Failed(string service, string step, string why, Queue<string> stderr, int? exitCode)
    {
        string output;
        lock (stderr)
        {
            output = string.Join(Environment.NewLine, stderr);
        }

        var quoted = output.Length == 0 ? "It wrote nothing to stderr." : $"Its last stderr lines:{Environment.NewLine}{output}";
        var reason = $"Service '{service}' failed to launch: {step} {why}.";
        return new WorkerLaunchException(service, null, $"{reason} {quoted}", output, exitCode) { Reason = reason };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "[{Service} setup] ignoring {Marker}, which this user did not write (owner uid {Owner}, mode {Mode}); the steps run")]
    private static partial void LogForeignMarker(ILogger logger, string service, string marker, uint owner, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Service} setup] running {Step}")]
    private static partial void LogRunning(ILogger logger, string service, string step);

    [LoggerMessage(Level = LogLevel.Debug, Message = "[{Service} setup] its {Count} steps already ran on this machine ({Marker})")]
    private static partial void LogAlreadyRan(ILogger logger, string service, int count, string marker);

    [LoggerMessage(Message = "[{Service} setup] {Stream}: {Line}")]
    private static partial void LogOutput(ILogger logger, LogLevel level, string service, string stream, string line);
}

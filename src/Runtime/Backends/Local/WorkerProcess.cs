using System.Diagnostics;
using Grpc.Health.V1;
using Hoist.Client;
using Hoist.Hosting;
using Hoist.Worker;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;
using Hoist.Transport;

namespace Hoist.Backends.Local;

/// <summary>
/// One worker process on this machine: started from the app's own executable on a Unix socket or a free loopback port,
/// ready once it has printed its ready line and answered a gRPC health check, stopped gracefully by
/// closing its stdin.
/// </summary>
internal sealed partial class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StderrTail _stderr;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _pumps;
    private readonly CancellationTokenSource _stopForwarding = new();
    private readonly bool _attached;
    private readonly CancellationTokenSource _detached = new();
    private int _stopping;

    private WorkerProcess(Process process, WorkerEndpoint endpoint, int stderrLines, bool forwardOutput, bool warm, bool attached, ILogger logger)
    {
        _process = process;
        _logger = logger;
        _stderr = new StderrTail(stderrLines);
        Endpoint = endpoint;
        Warm = warm;
        _attached = attached;

        // A worker this run attached to was started by an earlier one, which held its pipes.
        _pumps = attached
            ? Task.CompletedTask
            : Task.WhenAll(
                PumpAsync(process.StandardOutput, isStderr: false, forwardOutput),
                PumpAsync(process.StandardError, isStderr: true, forwardOutput));
        Exited = WatchExitAsync();
    }

    public WorkerEndpoint Endpoint { get; }

    /// <summary>A warm worker (Hoist:Local:KeepWarm): it outlives this run unless stopped, and stops on SIGTERM.</summary>
    public bool Warm { get; }

    public int ProcessId => _process.Id;

    /// <summary>When the process started, to tell it from a later process that got the same id.</summary>
    public long StartedUnixMs => WarmWorkers.StartedUnixMs(_process);

    /// <summary>Completes when the process has exited, for whatever reason.</summary>
    public Task Exited { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a worker and waits until it serves, or fails with its stderr after <paramref name="launchTimeout"/>.</summary>
    public static async Task<WorkerProcess> StartAsync(
        WorkerCommand command,
        WorkerEnvironment environment,
        IReadOnlyDictionary<string, string> extraVariables,
        TimeSpan launchTimeout,
        LocalBackendOptions options,
        bool forwardOutput,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The caller's secrets reach a worker only as the variables its [Secret]s name, not as configuration.
        foreach (var inherited in start.Environment.Keys.Where(LocalWorkerVariables.IsInheritedSecret).ToArray())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (name, value) in environment.ToVariables().Concat(extraVariables))
        {
            start.Environment[name] = value;
        }

        var replica = environment.ReplicaName ?? environment.ServiceName;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start a worker for '{environment.ServiceName}'.");
        var endpoint = new WorkerEndpoint(
            environment.ServiceName,
            replica,
            environment.Rank ?? 0,
            new Uri($"http://{environment.ListenAddress}:{environment.GrpcPort}"),
            environment.CallToken,
            environment.SocketPath)
        {
            SharedMemoryFolder = environment.SharedMemoryFolder,
            SharedMemoryThreshold = options.SharedMemoryThreshold,
        };
        // A warm worker's output reaches the caller over StreamLogs alone (buffered from its start), since the
        // next run to attach has no pipe to read; forwarding the pipes too would show each line twice.
        var warm = environment.WarmTtl is not null;
        var worker = new WorkerProcess(process, endpoint, options.StderrLinesInErrors, forwardOutput && !warm, warm, attached: false, logger);
        LogStarting(logger, environment.ServiceName, replica, process.Id, environment.SocketPath ?? $"port {environment.GrpcPort}");

        try
        {
            await worker.WaitUntilReadyAsync(launchTimeout, cancellationToken).ConfigureAwait(false);
            if (forwardOutput)
            {
                _ = WorkerLogForwarder.RunAsync(endpoint, logger, worker._stopForwarding.Token);
            }

            return worker;
        }
        catch
        {
            await worker.KillAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Attaches to a warm worker an earlier run started: ready when it answers a health check, else null (the
    /// caller stops what is left of it and starts afresh).
    /// </summary>
    public static async Task<WorkerProcess?> AttachAsync(
        Process process,
        WorkerEndpoint endpoint,
        LocalBackendOptions options,
        bool forwardLogs,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var worker = new WorkerProcess(process, endpoint, options.StderrLinesInErrors, forwardOutput: false, warm: true, attached: true, logger);
        string? problem;
        try
        {
            var health = new Health.HealthClient(endpoint.Channel);
            var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken).ConfigureAwait(false);
            problem = reply.Status == HealthCheckResponse.Types.ServingStatus.Serving ? null : $"its health check answered {reply.Status}";
        }
        catch (Grpc.Core.RpcException ex)
        {
            problem = $"its health check failed: {ex.Status.Detail}";
        }

        if (problem is not null)
        {
            // Not serving: what is left of it is stopped, and the caller starts afresh.
            LogAttachFailed(logger, endpoint.Service, endpoint.Replica, process.Id, problem);
            await worker.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        LogAttached(logger, endpoint.Service, endpoint.Replica, process.Id);
        if (forwardLogs)
        {
            // Only what happens from now on: the records it buffered belong to the runs before.
            _ = WorkerLogForwarder.RunAsync(endpoint, logger, worker._stopForwarding.Token, includeBuffered: false);
        }

        return worker;
    }

    /// <summary>Lets go of a warm worker without stopping it: the next run attaches to it.</summary>
    public async Task DetachAsync()
    {
        Interlocked.Exchange(ref _stopping, 1);
        await _detached.CancelAsync().ConfigureAwait(false);
        await _stopForwarding.CancelAsync().ConfigureAwait(false);
        Endpoint.Dispose();
        _process.Dispose();
        _stopForwarding.Dispose();
    }

    /// <summary>Lets in-flight calls finish, then exits; kills the process if that takes longer than <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout, TimeProvider time)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1 || _process.HasExited)
        {
            await Exited.ConfigureAwait(false);
            return;
        }

        if (Warm)
        {
            // A warm worker does not watch its stdin (it outlives its caller); it stops on SIGTERM, as in a pod.
            Signals.Terminate(_process.Id);
        }
        else
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }

        if (await Task.WhenAny(Exited, Task.Delay(timeout, time)).ConfigureAwait(false) != Exited)
        {
            await KillAsync().ConfigureAwait(false);
        }
    }

    public async Task KillAsync()
    {
        Interlocked.Exchange(ref _stopping, 1);
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        await Exited.ConfigureAwait(false);
    }

    /// <summary>Kills without waiting: the last resort when the caller's process is exiting.</summary>
    public void KillNow()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopForwarding.CancelAsync().ConfigureAwait(false);
        await KillAsync().ConfigureAwait(false);
        Endpoint.Dispose();
        _process.Dispose();
        _stopForwarding.Dispose();
    }

    private async Task WaitUntilReadyAsync(TimeSpan launchTimeout, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(launchTimeout);
        var finished = await Task.WhenAny(_ready.Task, Exited, Task.Delay(Timeout.Infinite, timeout.Token)).ConfigureAwait(false);
        if (finished == _ready.Task)
        {
            // The ready line says Kestrel is listening; the health check proves gRPC answers on it.
            try
            {
                var health = new Health.HealthClient(Endpoint.Channel);
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.Add(launchTimeout), cancellationToken: timeout.Token).ConfigureAwait(false);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }

                throw LaunchFailed($"its health check answered {reply.Status}");
            }
            catch (Exception ex) when (ex is not WorkerLaunchException && !cancellationToken.IsCancellationRequested)
            {
                throw LaunchFailed($"its health check failed: {ex.Message}");
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (finished == Exited)
        {
            await _pumps.ConfigureAwait(false);
            throw LaunchFailed($"it exited with code {_process.ExitCode} before it was ready");
        }

        throw LaunchFailed($"it was not ready within the launch timeout of {launchTimeout.TotalSeconds:0.###} s");
    }

    private WorkerLaunchException LaunchFailed(string why)
    {
        var output = _stderr.Text;
        var quoted = output.Length == 0 ? "It wrote nothing to stderr." : $"Its last stderr lines:{Environment.NewLine}{output}";
        var reason = $"Worker {Endpoint.Replica} of service '{Endpoint.Service}' failed to launch: {why}.";
        return new WorkerLaunchException(Endpoint.Service, Endpoint.Replica, $"{reason} {quoted}", output, _process.HasExited ? _process.ExitCode : null)
        {
            Reason = reason,
        };
    }

    private async Task PumpAsync(StreamReader reader, bool isStderr, bool forward)
    {
        try
        {
            await PumpLinesAsync(reader, isStderr, forward).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException && Volatile.Read(ref _stopping) == 1)
        {
            // A warm worker this run let go of: its pipes were closed on our side.
        }
    }

    private async Task PumpLinesAsync(StreamReader reader, bool isStderr, bool forward)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (!isStderr && line.StartsWith(Protocol.WorkerProtocol.ReadyLine, StringComparison.Ordinal))
            {
                _ready.TrySetResult();
                continue;
            }

            if (isStderr)
            {
                _stderr.Add(line);
            }

            if (forward)
            {
                LogWorkerOutput(_logger, isStderr ? LogLevel.Warning : LogLevel.Information, Endpoint.Replica, isStderr ? "stderr" : "stdout", line);
            }
        }
    }

    private async Task WatchExitAsync()
    {
        var processId = _process.Id;
        string reason;
        try
        {
            if (_attached)
            {
                // Not this process's child: no exit code to wait for, so look now and then.
                while (!HasExited)
                {
                    await Task.Delay(AttachedExitPollInterval, _detached.Token).ConfigureAwait(false);
                    _process.Refresh();
                }

                reason = $"its process {processId} exited";
            }
            else
            {
                await _process.WaitForExitAsync(_detached.Token).ConfigureAwait(false);
                reason = _process.ExitCode is var code && code > 128 && OperatingSystem.IsLinux()
                    ? $"its process {processId} was killed by signal {code - 128}"
                    : $"its process {processId} exited with code {_process.ExitCode}";
            }
        }
        catch (OperationCanceledException) when (_detached.IsCancellationRequested)
        {
            // Let go of, still serving: not lost, and its socket is the next run's way in.
            return;
        }

        var expected = Volatile.Read(ref _stopping) == 1;
        Endpoint.MarkLost(reason);

        // A killed worker cannot remove its own socket file.
        if (Endpoint.SocketPath is { } socket)
        {
            try
            {
                File.Delete(socket);
            }
            catch (IOException)
            {
            }
        }

        if (!expected)
        {
            LogUnexpectedExit(_logger, Endpoint.Service, Endpoint.Replica, reason);
        }
    }

    private static readonly TimeSpan AttachedExitPollInterval = TimeSpan.FromMilliseconds(250);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm worker {Replica} of {Service} (process {Pid}) cannot be attached to, so it is stopped: {Problem}")]
    private static partial void LogAttachFailed(ILogger logger, string service, string replica, int pid, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Attached to warm worker {Replica} of {Service} (process {Pid})")]
    private static partial void LogAttached(ILogger logger, string service, string replica, int pid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Starting worker {Replica} of {Service} as process {Pid} on {Listen}")]
    private static partial void LogStarting(ILogger logger, string service, string replica, int pid, string listen);

    [LoggerMessage(Message = "[{Worker}] {Stream}: {Line}")]
    private static partial void LogWorkerOutput(ILogger logger, LogLevel level, string worker, string stream, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Replica} of {Service} stopped unexpectedly: {Reason}")]
    private static partial void LogUnexpectedExit(ILogger logger, string service, string replica, string reason);

    /// <summary>The last lines a worker wrote to stderr, quoted when it fails to launch.</summary>
    private sealed class StderrTail(int capacity)
    {
        private readonly Queue<string> _lines = new();
        private readonly Lock _gate = new();

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return string.Join(Environment.NewLine, _lines);
                }
            }
        }

        public void Add(string line)
        {
            lock (_gate)
            {
                if (_lines.Count == capacity)
                {
                    _lines.Dequeue();
                }

                _lines.Enqueue(line);
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Hoist.Client;
using Hoist.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hoist.Backends.Local;

/// <summary>
/// Runs each service as processes of this app on loopback. A service starts on first use (or when asked),
/// and a worker that dies is replaced on the next call. Workers never outlive this process.
/// </summary>
internal sealed partial class LocalBackend : IHoistBackend
{
    private readonly ConcurrentDictionary<string, Lazy<Task<LocalDeployment>>> _deployments = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<HoistOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<LocalBackend> _logger;
    private readonly string _token;
    private int _replicaCount;
    private int _disposed;

    public LocalBackend(IOptionsMonitor<HoistOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<LocalBackend>();
        _token = options.CurrentValue.Token ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

        // If the app exits without disposing us, still take the workers down with it.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The processes now running, for tests and diagnostics.</summary>
    internal IEnumerable<WorkerProcess> Workers =>
        _deployments.Values.Where(d => d.Value.IsCompletedSuccessfully).SelectMany(d => d.Value.Result.Workers);

    public ValueTask<ServiceDeployment> GetDeploymentAsync(ServiceDescriptor descriptor, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (_deployments.TryGetValue(descriptor.Name, out var existing) && existing.Value.IsCompletedSuccessfully && existing.Value.Result.IsHealthy)
        {
            return new ValueTask<ServiceDeployment>(existing.Value.Result);
        }

        return new ValueTask<ServiceDeployment>(StartOrJoinAsync(descriptor, cancellationToken));
    }

    public async Task StopServiceAsync(string service, CancellationToken cancellationToken)
    {
        if (_deployments.TryRemove(service, out var deployment))
        {
            await StopAsync(deployment).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        var all = _deployments.Values.ToArray();
        _deployments.Clear();
        await Task.WhenAll(all.Select(StopAsync)).ConfigureAwait(false);
    }

    private async Task<ServiceDeployment> StartOrJoinAsync(ServiceDescriptor descriptor, CancellationToken cancellationToken)
    {
        while (true)
        {
            var candidate = new Lazy<Task<LocalDeployment>>(() => LaunchAsync(descriptor));
            var current = _deployments.GetOrAdd(descriptor.Name, candidate);
            if (current.Value.IsCompleted && (!current.Value.IsCompletedSuccessfully || !current.Value.Result.IsHealthy))
            {
                // A failed launch or a dead worker: replace it, and let exactly one caller do so.
                if (_deployments.TryUpdate(descriptor.Name, candidate, current))
                {
                    if (current.Value.IsCompletedSuccessfully)
                    {
                        LogReplacing(_logger, descriptor.Name);
                        _ = StopAsync(current);
                    }

                    current = candidate;
                }
                else
                {
                    continue;
                }
            }

            // Launches are shared by every caller waiting on them, so one caller's cancellation only
            // stops that caller's wait, never the launch.
            return await current.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<LocalDeployment> LaunchAsync(ServiceDescriptor descriptor)
    {
        var options = _options.CurrentValue;
        var command = WorkerCommand.For(descriptor.AssemblyName);
        var launchTimeout = TimeSpan.FromSeconds(descriptor.Compute.LaunchTimeout);
        var replica = $"{descriptor.Name}-{Interlocked.Increment(ref _replicaCount)}";
        var environment = new WorkerEnvironment
        {
            ServiceName = descriptor.Name,
            GrpcPort = WorkerProcess.FreeLoopbackPort(),
            CallToken = _token,
            AssemblyName = descriptor.AssemblyName,
            ReplicaName = replica,
            ParentProcessId = Environment.ProcessId,
        };
        var worker = await WorkerProcess.StartAsync(
            command,
            environment,
            WorkerSettings(options),
            launchTimeout,
            options.Local,
            options.ForwardWorkerLogs,
            _loggerFactory.CreateLogger($"Hoist.Worker.{descriptor.Name}"),
            CancellationToken.None).ConfigureAwait(false);
        LogReady(_logger, descriptor.Name, replica, worker.ProcessId);
        return new LocalDeployment(descriptor, [worker]);
    }

    /// <summary>The caller's settings a worker must share; the worker reads them as configuration.</summary>
    private static Dictionary<string, string> WorkerSettings(HoistOptions options) => new(StringComparer.Ordinal)
    {
        ["Hoist__MaxRequestBytes"] = options.MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task StopAsync(Lazy<Task<LocalDeployment>> deployment)
    {
        if (!deployment.IsValueCreated)
        {
            return;
        }

        try
        {
            var running = await deployment.Value.ConfigureAwait(false);
            await Task.WhenAll(running.Workers.Select(w => w.StopAsync(_options.CurrentValue.Local.StopTimeout))).ConfigureAwait(false);
            foreach (var worker in running.Workers)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (WorkerLaunchException)
        {
            // It never ran; nothing to stop.
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        foreach (var worker in Workers)
        {
            worker.KillNow();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} is ready: worker {Replica} is process {Pid}")]
    private static partial void LogReady(ILogger logger, string service, string replica, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service} lost its worker; starting a new one")]
    private static partial void LogReplacing(ILogger logger, string service);
}

/// <summary>A service's worker processes on this machine.</summary>
internal sealed class LocalDeployment(ServiceDescriptor descriptor, IReadOnlyList<WorkerProcess> workers) : ServiceDeployment(descriptor)
{
    private readonly WorkerEndpoint[] _endpoints = workers.Select(w => w.Endpoint).ToArray();

    public IReadOnlyList<WorkerProcess> Workers { get; } = workers;

    public override IReadOnlyList<WorkerEndpoint> Endpoints => _endpoints;

    /// <summary>False once any worker is gone; checked on every call, so it reads a flag and makes no system call.</summary>
    public bool IsHealthy
    {
        get
        {
            foreach (var endpoint in _endpoints)
            {
                if (endpoint.Lost.IsCancellationRequested)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

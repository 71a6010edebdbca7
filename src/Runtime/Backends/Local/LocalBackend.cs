using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Hoist.Client;
using Hoist.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hoist.Backends.Local;

/// <summary>
/// Runs each service as processes of this app on loopback: replicas scaled by the KPA when the service
/// has [Autoscale], rank groups for [Distribute]. A service starts on its first call (or when asked),
/// a lost worker is replaced, and no worker outlives this process.
/// </summary>
internal sealed partial class LocalBackend : IHoistBackend
{
    private readonly ConcurrentDictionary<string, LocalService> _services = new(StringComparer.Ordinal);
    private readonly Func<string, ServiceDescriptor> _describe;
    private readonly IOptionsMonitor<HoistOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly string _token;
    private readonly Lazy<int> _gpusOnMachine = new(GpuInventory.Count);
    private readonly Lazy<string?> _socketFolder;
    private readonly Lazy<string?> _sharedMemoryFolder;
    private int _disposed;
    private int _sockets;

    public LocalBackend(Func<string, ServiceDescriptor> describe, IOptionsMonitor<HoistOptions> options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _describe = describe;
        _options = options;
        _loggerFactory = loggerFactory;
        _time = time;
        _token = options.CurrentValue.Token ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        _socketFolder = new(() => OpenPrivateFolder(Transport.PrivateFolder.SocketFolder()));
        _sharedMemoryFolder = new(() => OpenPrivateFolder(Transport.PrivateFolder.SharedMemoryFolder()));

        // If the app exits without disposing us, still take the workers down with it.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public ValueTask<ServiceDeployment> GetDeploymentAsync(string service, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var running = _services.TryGetValue(service, out var existing) ? existing : _services.GetOrAdd(service, name => Create(_describe(name)));
        return running.GetDeploymentAsync(cancellationToken);
    }

    public ServiceStatus? GetStatus(string service) => _services.TryGetValue(service, out var running) ? running.Status() : null;

    public async Task StopServiceAsync(string service, CancellationToken cancellationToken)
    {
        if (_services.TryRemove(service, out var running))
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        var all = _services.Values.ToArray();
        _services.Clear();
        await Task.WhenAll(all.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        Transport.RegionPool.Trim(TimeSpan.Zero);
    }

    private LocalService Create(ServiceDescriptor descriptor)
    {
        if (descriptor.Distribution is { Type: "ray" })
        {
            throw new NotSupportedException(
                $"Service '{descriptor.Name}' is [Distribute(\"ray\")], which needs the Kubernetes backend with KubeRay (Hoist:Backend = \"kubernetes\"). " +
                "The local backend runs pytorch, jax, tensorflow and spmd groups.");
        }

        return new LocalService(
            descriptor,
            () => _describe(descriptor.Name),
            LaunchAsync,
            _options.CurrentValue.Local,
            _time,
            _loggerFactory.CreateLogger($"Hoist.Services.{descriptor.Name}"));
    }

    /// <summary>Starts one replica: a single worker, or every rank of a distributed group with its rendezvous wiring.</summary>
    private async Task<WorkerGroup> LaunchAsync(ServiceDescriptor descriptor, string replica)
    {
        // [Env], [Secret], [Volume] and [Setup] first: the steps count within LaunchTimeout, so the workers get what is left.
        var prepared = await PrepareAsync(descriptor).ConfigureAwait(false);
        try
        {
            return await LaunchOnceAsync(descriptor, replica, prepared).ConfigureAwait(false);
        }
        catch (WorkerLaunchException ex) when (ex.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            // Another process took a chosen port before the worker bound it: choose again, once.
            return await LaunchOnceAsync(descriptor, replica, prepared).ConfigureAwait(false);
        }
    }

    private Task<WorkerGroup> LaunchOnceAsync(ServiceDescriptor descriptor, string replica, PreparedLaunch prepared)
    {
        var options = _options.CurrentValue;
        var command = WorkerCommand.For(descriptor.AssemblyName);
        var launchTimeout = prepared.LaunchTimeout;
        var logger = _loggerFactory.CreateLogger($"Hoist.Worker.{descriptor.Name}");

        // [Env], [Secret] and [Volume] over the inherited environment; Hoist's own settings over those.
        var settings = new Dictionary<string, string>(prepared.Variables, StringComparer.Ordinal);
        foreach (var (name, value) in WorkerSettings(options))
        {
            settings[name] = value;
        }

        var sockets = UsesUnixSockets(options.Local) ? _socketFolder.Value : null;
        var sharedMemory = sockets is not null && options.Local.SharedMemoryThreshold > 0 ? _sharedMemoryFolder.Value : null;
        Func<Task<WorkerProcess>> Launch(string name, int? rank, IReadOnlyDictionary<string, string> extra) => () => WorkerProcess.StartAsync(
            command,
            new WorkerEnvironment
            {
                ServiceName = descriptor.Name,
                GrpcPort = sockets is null ? PortAllocator.Next() : 0,
                SocketPath = sockets is null ? null : Path.Combine(sockets, Transport.PrivateFolder.OwnedName($"{Interlocked.Increment(ref _sockets).ToString(CultureInfo.InvariantCulture)}.sock")),
                SharedMemoryFolder = sharedMemory,
                CallToken = _token,
                AssemblyName = descriptor.AssemblyName,
                ReplicaName = name,
                ParentProcessId = Environment.ProcessId,
                Rank = rank,
            },
            extra,
            launchTimeout,
            options.Local,
            options.ForwardWorkerLogs,
            logger,
            CancellationToken.None);

        if (descriptor.Distribution is not { } distribution)
        {
            return WorkerGroup.StartAsync(replica, [Launch(replica, null, settings)]);
        }

        // One machine is one node: every rank is local, rank 0 is the master for the group's whole life.
        var worldSize = distribution.Workers;
        var masterPort = PortAllocator.Next();
        var peers = Enumerable.Range(0, worldSize)
            .Select(rank => rank == 0 ? masterPort : PortAllocator.Next())
            .Select(port => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}")
            .ToArray();
        var launches = Enumerable.Range(0, worldSize).Select(rank =>
        {
            var variables = new Dictionary<string, string>(settings, StringComparer.Ordinal);
            foreach (var (name, value) in DistributedEnvironment.For(distribution.Type, worldSize, rank.ToString(CultureInfo.InvariantCulture), "127.0.0.1", masterPort, peers, rank, worldSize, nodeRank: "0"))
            {
                variables[name] = value;
            }

            if (DistributedEnvironment.CudaVisibleDevices(_gpusOnMachine.Value, descriptor.Compute.Gpus, rank) is { } devices)
            {
                variables["CUDA_VISIBLE_DEVICES"] = devices;
            }

            return Launch($"{replica}-rank{rank}", rank, variables);
        }).ToArray();
        return WorkerGroup.StartAsync(replica, launches);
    }

    /// <summary>
    /// What a worker process gets besides its Hoist environment: the caller's settings it must share, and
    /// runtime tuning for serving calls (each kept if the caller's environment already sets it).
    /// </summary>
    internal static Dictionary<string, string> WorkerSettings(HoistOptions options)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Hoist__MaxRequestBytes"] = options.MaxRequestBytes.ToString(CultureInfo.InvariantCulture),
        };

        // Arguments and results up to 8 MiB (a float[2M]) are short-lived: allocating them in gen0 instead
        // of the large object heap makes a 1 MiB array about six times cheaper to create.
        if (Environment.GetEnvironmentVariable(WorkerRuntimeTuning.LohThresholdVariable) is null)
        {
            settings[WorkerRuntimeTuning.LohThresholdVariable] = WorkerRuntimeTuning.LohThreshold;
        }

        return settings;
    }

    private static bool UsesUnixSockets(LocalBackendOptions options) =>
        string.Equals(options.Transport, LocalTransports.Unix, StringComparison.OrdinalIgnoreCase) && System.Net.Sockets.Socket.OSSupportsUnixDomainSockets;

    /// <summary>
    /// A private folder for workers' sockets or shared memory, cleared of what dead callers left; null (so TCP,
    /// or payloads inline) when it cannot be made private, say because another user owns it.
    /// </summary>
    private string? OpenPrivateFolder(string path)
    {
        try
        {
            var folder = Transport.PrivateFolder.Ensure(path);
            Transport.PrivateFolder.SweepStale(folder);
            return folder;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogNoSocketFolder(_loggerFactory.CreateLogger<LocalBackend>(), ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local workers do without a private folder, so use loopback TCP or inline payloads: {Reason}")]
    private static partial void LogNoSocketFolder(ILogger logger, string reason);

    private void OnProcessExit(object? sender, EventArgs e)
    {
        foreach (var service in _services.Values)
        {
            service.KillNow();
        }

        Transport.RegionPool.Trim(TimeSpan.Zero);
    }
}

/// <summary>A service's serving groups on this machine, as one routing snapshot.</summary>
internal sealed class LocalDeployment : ServiceDeployment
{
    private readonly WorkerEndpoint[] _endpoints;

    public LocalDeployment(ServiceDescriptor descriptor, IReadOnlyList<WorkerGroup> groups)
        : base(descriptor)
    {
        // A distributed service has one group, whose ranks are the endpoints; otherwise one per replica.
        _endpoints = groups.SelectMany(g => g.Endpoints).ToArray();
    }

    /// <summary>True once any worker in the snapshot is gone; reads flags only, as it runs on every call.</summary>
    public bool AnyLost
    {
        get
        {
            foreach (var endpoint in _endpoints)
            {
                if (endpoint.Lost.IsCancellationRequested)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public override IReadOnlyList<WorkerEndpoint> Endpoints => _endpoints;
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Hoist.Autoscaling;
using Hoist.Client;
using Hoist.Hosting;
using Hoist.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Hoist.Configuration;
using Hoist.Manifests;
using Hoist.Transport;

namespace Hoist.Backends.Local;

/// <summary>
/// Runs each service as processes of this app on loopback: replicas scaled by the KPA when the service
/// has [Autoscale], rank groups for [Distribute]. A service starts on its first call (or when asked),
/// a lost worker is replaced, and no worker outlives this process.
/// </summary>
internal sealed partial class LocalBackend : IHoistBackend, IServiceStatusSource
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
    private readonly ConcurrentDictionary<string, WarmApp> _warmApps = new(StringComparer.Ordinal);
    private readonly IDisposable _statusTracking;
    private int _disposed;

    // Process-wide, as socket files are named after the process: two backends in one process (tests start several
    // apps) must never give two workers one path, or one worker's bind would delete the other's socket file.
    private static int s_sockets;

    public LocalBackend(Func<string, ServiceDescriptor> describe, IOptionsMonitor<HoistOptions> options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _describe = describe;
        _options = options;
        _loggerFactory = loggerFactory;
        _time = time;
        _token = options.CurrentValue.Token ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        _socketFolder = new(() => OpenPrivateFolder(Transport.PrivateFolder.SocketFolder));
        _sharedMemoryFolder = new(() => OpenPrivateFolder(Transport.PrivateFolder.SharedMemoryFolder));

        _statusTracking = HoistInstruments.TrackStatus(this);

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

    public IEnumerable<ServiceGauges> Gauges() => _services.Values.Select(s => s.Status().Gauges);

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
        _statusTracking.Dispose();
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
        return options.Local.KeepWarm
            ? LaunchWarmAsync(descriptor, replica, options, prepared)
            : StartProcessesAsync(descriptor, replica, options, prepared, WorkerCommand.For(descriptor.AssemblyName).InNewSession(), warm: null);
    }

    /// <summary>
    /// Hoist:Local:KeepWarm: attach to a warm group an earlier run left, syncing this build into it when it runs
    /// other code; else start a warm group from a private copy of this build. A frozen service, or a change only a
    /// fresh process can run, gets fresh workers. New code that fails to load fails the launch with the reason,
    /// and leaves the warm group serving its old code.
    /// </summary>
    private async Task<WorkerGroup> LaunchWarmAsync(ServiceDescriptor descriptor, string replica, HoistOptions options, PreparedLaunch prepared)
    {
        var build = CodeSync.AppBuild.For(descriptor.AssemblyName);
        var app = _warmApps.GetOrAdd(build.AssemblyPath, _ => new WarmApp(build));
        var logger = _loggerFactory.CreateLogger($"Hoist.Worker.{descriptor.Name}");
        var launchTimeout = prepared.LaunchTimeout;
        var launch = LaunchSettings.For(descriptor, options, LaunchSettings.CurrentEnvironment(), () => _gpusOnMachine.Value, LaunchSettings.CurrentRuntime());
        while (app.Registry.TryClaim(descriptor.Name) is { } claim)
        {
            // Never a worker launched with other settings than this run's: new code can be synced in, a new launch cannot.
            if (launch.ChangedSince(claim.Record.Launch) is { Count: > 0 } changed)
            {
                LogRelaunch(logger, LaunchSettings.Describe(changed), descriptor.Name, claim.Record.Group);
                await WarmWorkers.StopAsync(claim.Record, options.Local.StopTimeout).ConfigureAwait(false);
                claim.Forget();
                continue;
            }

            if (await AttachAsync(claim, options, logger).ConfigureAwait(false) is not { } group)
            {
                claim.Forget();
                continue;
            }

            try
            {
                var outcome = await CodeSync.CodeSyncClient.SyncAsync(group.Endpoints, app.Manifest, app.Registry.AppFolder, launchTimeout, CancellationToken.None).ConfigureAwait(false);
                if (outcome.Changed)
                {
                    LogSynced(logger, descriptor.Name, group.Name, outcome.FilesSent, outcome.BytesSent, outcome.Elapsed.TotalMilliseconds);
                }

                return group;
            }
            catch (CodeSyncException ex) when (ex.NeedsFreshWorkers)
            {
                LogFreshWorkers(logger, descriptor.Name, group.Name, ex.Message);
                await group.DrainAndStopAsync(options.Local.StopTimeout, _time).ConfigureAwait(false);
                await group.DisposeAsync().ConfigureAwait(false);
                break;
            }
            catch
            {
                await group.DetachAsync().ConfigureAwait(false);
                throw;
            }
        }

        var codeFolder = app.Registry.CodeFolderFor(app.Manifest);
        var command = WorkerCommand.ForAssemblyPath(Path.Combine(codeFolder, Path.GetFileName(app.AssemblyPath))).InNewSession();
        var ttl = GoDuration.PositiveOrNull(descriptor.Compute.InactivityTtl) ?? TimeSpan.FromSeconds(Settings.ServiceDefaults.WarmInactivityTtlSeconds);
        var started = await StartProcessesAsync(descriptor, replica, options, prepared, command, new WarmLaunch(app, ttl, codeFolder, launch.Fingerprint())).ConfigureAwait(false);
        app.Registry.PruneCodeFolders();
        return started;
    }

    private static async Task<WorkerGroup?> AttachAsync(WarmClaim claim, HoistOptions options, ILogger logger)
    {
        var record = claim.Record;
        var endpoints = WarmWorkers.Endpoints(record, options.Local.SharedMemoryThreshold);
        var workers = new List<WorkerProcess>();
        foreach (var (worker, endpoint) in record.Workers.OrderBy(w => w.Rank).Zip(endpoints))
        {
            var process = WarmWorkers.Find(worker);
            var attached = process is null ? null : await WorkerProcess.AttachAsync(process, endpoint, options.Local, options.ForwardWorkerLogs, logger, CancellationToken.None).ConfigureAwait(false);
            if (attached is null)
            {
                // A group is all or nothing: what is left of it is stopped, and a fresh one started.
                foreach (var unused in endpoints.Skip(workers.Count))
                {
                    unused.Dispose();
                }

                await Task.WhenAll(workers.Select(w => w.DisposeAsync().AsTask())).ConfigureAwait(false);
                await WarmWorkers.StopAsync(record, TimeSpan.Zero).ConfigureAwait(false);
                return null;
            }

            workers.Add(attached);
        }

        return new WorkerGroup(record.Group, workers) { Warm = claim };
    }

    private Task<WorkerGroup> StartProcessesAsync(ServiceDescriptor descriptor, string replica, HoistOptions options, PreparedLaunch prepared, WorkerCommand command, WarmLaunch? warm)
    {
        var launchTimeout = prepared.LaunchTimeout;
        var logger = _loggerFactory.CreateLogger($"Hoist.Worker.{descriptor.Name}");

        // [Env], [Secret] and [Volume] over the inherited environment; Hoist's own settings over those.
        var settings = new Dictionary<string, string>(prepared.Variables, StringComparer.Ordinal);
        foreach (var (name, value) in WorkerSettings(options, Environment.GetEnvironmentVariable))
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
                SocketPath = sockets is null ? null : SocketPath(sockets, warm),
                SharedMemoryFolder = sharedMemory,
                CallToken = _token,
                AssemblyName = descriptor.AssemblyName,
                ReplicaName = name,

                // A warm worker outlives this run: it watches no parent, and ends itself after its TTL.
                ParentProcessId = warm is null ? Environment.ProcessId : null,
                WarmTtl = warm?.Ttl,
                Frozen = descriptor.Compute.Freeze,
                ContainerConcurrency = descriptor.Autoscale?.ContainerConcurrency ?? 0,
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
            return RecordIfWarmAsync(WorkerGroup.StartAsync(replica, [Launch(replica, null, settings)]), descriptor, warm);
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
        return RecordIfWarmAsync(WorkerGroup.StartAsync(replica, launches), descriptor, warm);
    }

    /// <summary>A warm group is recorded, with this run's token, as soon as it serves: the next run attaches to it.</summary>
    private async Task<WorkerGroup> RecordIfWarmAsync(Task<WorkerGroup> starting, ServiceDescriptor descriptor, WarmLaunch? warm)
    {
        var group = await starting.ConfigureAwait(false);
        if (warm is null)
        {
            return group;
        }

        var workers = group.Workers
            .Select(w => new WarmWorkerRecord(w.Endpoint.Rank, w.Endpoint.Replica, w.ProcessId, w.StartedUnixMs, w.Endpoint.SocketPath, w.Endpoint.SocketPath is null ? w.Endpoint.Address.Port : 0))
            .ToArray();
        var record = new WarmGroupRecord(
            warm.App.Registry.AppFolder,
            descriptor.Name,
            $"{group.Name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}",
            _token,
            descriptor.Compute.Freeze,
            warm.CodeFolder,
            workers.Any(w => w.SocketPath is not null) ? group.Endpoints[0].SharedMemoryFolder : null,
            workers,
            warm.Launch,
            Path.GetFileNameWithoutExtension(warm.App.AssemblyPath));
        return new WorkerGroup(group.Name, group.Workers) { Warm = warm.App.Registry.Register(record) };
    }

    /// <summary>
    /// A worker's socket: named after this process in the shared socket folder, so a later run sweeps what a dead
    /// one left; a warm worker's lives in its app's warm folder instead, where no sweep takes it from the next run.
    /// </summary>
    private string SocketPath(string sockets, WarmLaunch? warm)
    {
        var number = Interlocked.Increment(ref s_sockets).ToString(CultureInfo.InvariantCulture);
        return warm is null
            ? Path.Combine(sockets, Transport.PrivateFolder.OwnedName($"{number}.sock"))
            : Path.Combine(warm.App.Registry.SocketFolder(), $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.sock");
    }

    /// <summary>
    /// What a worker process gets besides its Hoist environment: the caller's settings it must share, and
    /// runtime tuning for serving calls (each kept if the caller's environment, <paramref name="inherited"/>, already sets it).
    /// </summary>
    internal static Dictionary<string, string> WorkerSettings(HoistOptions options, Func<string, string?> inherited)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Hoist__MaxRequestBytes"] = options.MaxRequestBytes.ToString(CultureInfo.InvariantCulture),
        };

        // Arguments and results up to 8 MiB (a float[2M]) are short-lived: allocating them in gen0 instead
        // of the large object heap makes a 1 MiB array about six times cheaper to create.
        if (inherited(WorkerRuntimeTuning.LohThresholdVariable) is null)
        {
            settings[WorkerRuntimeTuning.LohThresholdVariable] = WorkerRuntimeTuning.LohThreshold;
        }

        // No diagnostic port (its socket in /tmp), debugger or profiler attach: a worker holds the token and the
        // calls' data. DOTNET_EnableDiagnostics=1 in the caller's environment turns them back on, for debugging.
        if (Environment.GetEnvironmentVariable(WorkerRuntimeTuning.DiagnosticsVariable) is null)
        {
            settings[WorkerRuntimeTuning.DiagnosticsVariable] = "0";
        }

        return settings;
    }

    private static bool UsesUnixSockets(LocalBackendOptions options) =>
        string.Equals(options.Transport, LocalTransports.Unix, StringComparison.OrdinalIgnoreCase) && System.Net.Sockets.Socket.OSSupportsUnixDomainSockets;

    /// <summary>
    /// A private folder for workers' sockets or shared memory (a fresh one when the default is another user's, said
    /// once), cleared of what dead callers left; null (so TCP, or payloads inline) when none can be made private.
    /// </summary>
    private string? OpenPrivateFolder(Func<ILogger, string> settle)
    {
        try
        {
            var folder = settle(_loggerFactory.CreateLogger<LocalBackend>());
            Transport.PrivateFolder.SweepStale(folder);
            return folder;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogNoSocketFolder(_loggerFactory.CreateLogger<LocalBackend>(), ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: synced this build into warm {Group} ({Files} file(s), {Bytes} bytes) in {Milliseconds:0.#} ms")]
    private static partial void LogSynced(ILogger logger, string service, string group, int files, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: warm {Group} cannot take this build ({Reason}); stopping it and starting fresh workers")]
    private static partial void LogFreshWorkers(ILogger logger, string service, string group, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Changes} changed: starting fresh workers for {Service} (stopping warm {Group})")]
    private static partial void LogRelaunch(ILogger logger, string changes, string service, string group);

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

/// <summary>An app whose workers are kept warm: its build output as this run sees it, and its warm registry.</summary>
internal sealed class WarmApp(CodeSync.AppBuild build)
{
    public string AssemblyPath => build.AssemblyPath;

    public CodeSync.AppManifest Manifest => build.Manifest;

    public WarmWorkers Registry { get; } = new(build.Folder);
}

/// <summary>How to start a warm group: for which app, from which copy of its build, for how long it may idle, and what it is launched with.</summary>
internal sealed record WarmLaunch(WarmApp App, TimeSpan Ttl, string CodeFolder, LaunchFingerprint Launch);

/// <summary>A service's serving groups on this machine, as one routing snapshot.</summary>
internal sealed class LocalDeployment : ServiceDeployment
{
    private readonly WorkerEndpoint[] _endpoints;
    private readonly IReadOnlyList<WorkerEndpoint>[] _groups;

    public LocalDeployment(ServiceDescriptor descriptor, IReadOnlyList<WorkerGroup> groups)
        : base(descriptor)
    {
        // One group per replica: a single process, or every rank of a distributed group, each with its own rendezvous.
        _groups = groups.Select(g => g.Endpoints).ToArray();
        _endpoints = groups.SelectMany(g => g.Endpoints).ToArray();
    }

    public override IReadOnlyList<IReadOnlyList<WorkerEndpoint>> Groups => _groups;

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

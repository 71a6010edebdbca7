using Hoist.Client;
using Hoist.Hosting;
using Hoist.Manifests;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// One service on the cluster, seen from this process: a reconcile step that adopts or applies its objects, lets the
/// app's controller wake it, waits until it serves (<see cref="LaunchWait"/>), syncs this build into it
/// (<see cref="PodCodeSync.SyncBuildAsync"/>) and hands out its endpoints (a Knative revision's, from outside the
/// cluster, one per ready pod, which <see cref="PodRouteRefresh"/> keeps current as Knative scales it); and its teardown. Beside it, an
/// <see cref="ActivityKeeper"/> stamps its activity and tears it down after InactivityTtl, and a
/// <see cref="WorkerLogForwarder"/> shows its pods' logs. A call that finds no ready deployment waits for one deploy
/// at a time, like the local backend's activator.
/// </summary>
internal sealed partial class KubernetesService : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly KubernetesBackend _backend;
    private readonly Func<ServiceDescriptor> _describe;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly Lock _gate = new();
    private readonly WorkerConnector _connector;
    private readonly ActivityKeeper _activity;
    private readonly WorkerLogForwarder _logs;

    private volatile KubernetesDeployment? _snapshot;
    private Task<KubernetesDeployment>? _pending;
    private CancellationTokenSource? _deploying;
    private PodRouteRefresh? _podRefresh;
    private ServiceLayout? _layout;
    private Readiness? _readiness;
    private int _queued;
    private bool _disposed;

    public KubernetesService(string name, KubernetesBackend backend, Func<ServiceDescriptor> describe, ILogger logger, TimeProvider time)
    {
        Name = name;
        _backend = backend;
        _describe = describe;
        _logger = logger;
        _time = time;
        _connector = new WorkerConnector(logger);
        _activity = new ActivityKeeper(name, backend, describe, Observe, TearDownAsync, logger, time);
        _logs = new WorkerLogForwarder(name, backend, time);
    }

    public string Name { get; }

    /// <summary>The ready deployment, or a wait for the deploy that makes one. On the call path: a ready service costs two reads.</summary>
    public ValueTask<ServiceDeployment> GetDeploymentAsync(CancellationToken cancellationToken)
    {
        _activity.Touch();
        var snapshot = _snapshot;
        return snapshot is not null && !snapshot.AnyLost
            ? new ValueTask<ServiceDeployment>(snapshot)
            : new ValueTask<ServiceDeployment>(WaitForDeploymentAsync(cancellationToken));
    }

    public ServiceStatus Status()
    {
        lock (_gate)
        {
            var readiness = _readiness;
            var starting = _pending is { IsCompleted: false } && readiness is not null ? Math.Max(0, readiness.Desired - readiness.Ready) : 0;

            // Called pod by pod (a Knative revision from outside the cluster, a set of ordinal blocks): the pods its calls go to,
            // as Knative's autoscaler or the controller scales them.
            if (_snapshot is not null && _podRefresh is { } pods)
            {
                return new ServiceStatus(Name, pods.ReadyPods, pods.ReadyPods, starting, Volatile.Read(ref _queued), []);
            }

            return new ServiceStatus(Name, _snapshot is null ? 0 : readiness?.Ready ?? 0, readiness?.Desired ?? 0, starting, Volatile.Read(ref _queued), []);
        }
    }

    /// <summary>Deletes everything Hoist created for the service and waits, up to StopTimeout, for its pods to finish their calls and go.</summary>
    public async Task TearDownAsync(string reason, CancellationToken cancellationToken)
    {
        // A deploy still waiting for readiness would hold the service until its LaunchTimeout: stop it first.
        lock (_gate)
        {
            _deploying?.Cancel();
        }

        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await TearDownCoreAsync(reason, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        KubernetesDeployment? snapshot;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            snapshot = _snapshot;
            _snapshot = null;
            _podRefresh?.Dispose();
            _podRefresh = null;
        }

        _activity.Dispose();
        _logs.Dispose();
        foreach (var endpoint in snapshot?.Endpoints ?? [])
        {
            endpoint.Dispose();
        }
    }

    /// <summary>What the activity keeper reads each tick; null once disposed.</summary>
    private ServiceActivity? Observe()
    {
        lock (_gate)
        {
            return _disposed ? null : new ServiceActivity(_layout, _snapshot?.InFlight ?? 0, Volatile.Read(ref _queued), _pending is { IsCompleted: false });
        }
    }

    private async Task<ServiceDeployment> WaitForDeploymentAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queued);
        try
        {
            Task<KubernetesDeployment> pending;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_snapshot is { AnyLost: false } snapshot)
                {
                    return snapshot;
                }

                // A failed deploy is retried by the next call; a lost worker is looked up again.
                if (_pending is null || _pending.IsCompleted)
                {
                    _pending = Task.Run(DeployAsync);
                }

                pending = _pending;
            }

            return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    /// <summary>
    /// The reconcile step: renders the service and adopts or applies it (idempotent: a running service with the same
    /// spec does not restart), lets the app's controller wake it, waits until it is ready and reachable, syncs this
    /// build into it, then builds the endpoints and starts following its logs.
    /// </summary>
    private async Task<KubernetesDeployment> DeployAsync()
    {
        using var deploying = CancellationTokenSource.CreateLinkedTokenSource(_backend.Stopping);
        var stopping = deploying.Token;
        lock (_gate)
        {
            _deploying = deploying;
        }

        await _lifecycle.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            var descriptor = _describe();
            var session = await _backend.ConnectAsync().ConfigureAwait(false);
            var cluster = session.Cluster;
            var manifestOptions = _backend.ManifestOptionsFor(session.DefaultNamespace);
            var objects = ManifestRenderer.Render(descriptor, manifestOptions);
            var token = await _backend.TokenAsync(cluster, ServiceLayout.From(descriptor, objects).Namespace, manifestOptions).ConfigureAwait(false);
            var activity = _activity.LastActivity;
            var layout = await ServiceRollout.AdoptOrApplyAsync(cluster, descriptor, objects, manifestOptions, token, activity, _logger, stopping).ConfigureAwait(false);
            _activity.Stamped(activity);

            lock (_gate)
            {
                _layout = layout;
            }

            _backend.Watch(layout.Namespace);

            await ControllerActivation.WakeForDeployAsync(cluster, _connector, descriptor, objects, layout, manifestOptions, token, _backend.UseClusterDns, _backend.Settings.ClusterDomain, _logger, _time, stopping).ConfigureAwait(false);
            var readiness = await LaunchWait.UntilReadyAsync(cluster, descriptor, layout, _backend.Settings.LogLinesInErrors, Progress, _logger, _time, stopping).ConfigureAwait(false);
            var routes = WorkerRoutes.Plan(layout, readiness, _backend.UseClusterDns, _backend.Settings);
            await LaunchWait.EnsureReachableAsync(cluster, _connector, Name, routes, stopping).ConfigureAwait(false);
            if (_backend.Settings.SyncCode)
            {
                await PodCodeSync.SyncBuildAsync(cluster, _connector, descriptor, layout, token, _backend.UseClusterDns, _backend.Settings, _logger, stopping).ConfigureAwait(false);
            }

            // A Knative revision from outside the cluster: a route per ready pod, kept up to date as Knative scales it. A set of
            // ordinal blocks: its whole ready groups, kept up to date as the controller adds and removes groups.
            var podRoutes = PodRouteSource.For(layout, routes, _backend.UseClusterDns, _backend.Settings);
            var revision = RevisionPodRoutes.Spreadable(routes);
            if (revision is not null)
            {
                routes = RevisionPodRoutes.Plan(revision, await cluster.ListPodsAsync(revision.Namespace, revision.PodSelector!, stopping).ConfigureAwait(false), []).Routes;
            }

            var endpoints = routes.Select(route => _connector.CreateEndpoint(cluster, Name, route, token)).ToArray();
            var deployment = new KubernetesDeployment(descriptor, endpoints);

            KubernetesDeployment? previous;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                previous = _snapshot;
                _snapshot = deployment;
                _readiness = readiness;
                _podRefresh?.Dispose();
                _podRefresh = podRoutes is null
                    ? null
                    : new PodRouteRefresh(Name, cluster, _connector, podRoutes, token, Replace, SyncNewPods(cluster, descriptor, layout, token), _logger, _time, _backend.Stopping)
                        .Start(routes, deployment);
            }

            Retire(previous);
            _activity.Adjust(descriptor);
            _logs.Start(cluster, layout);
            LogReady(_logger, Name, string.Join(", ", endpoints.Select(e => $"{e.Replica} at {e.Address}")));
            return deployment;
        }
        catch (OperationCanceledException) when (deploying.IsCancellationRequested && !_backend.Stopping.IsCancellationRequested)
        {
            throw new WorkerLaunchException(Name, null, $"Service '{Name}' was torn down while it was starting; the call was not sent.", "", exitCode: null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDeployFailed(_logger, Name, ex.Message);
            throw;
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(_deploying, deploying))
                {
                    _deploying = null;
                }
            }

            _lifecycle.Release();
        }
    }

    /// <summary>Brings pods Knative added since the deploy up to this build before they take calls, as the deploy did its pods; null when SyncCode is off.</summary>
    private Func<IReadOnlyList<string>, CancellationToken, Task>? SyncNewPods(ClusterClient cluster, ServiceDescriptor descriptor, ServiceLayout layout, string token) =>
        _backend.Settings.SyncCode
            ? (pods, cancellationToken) => PodCodeSync.SyncBuildAsync(cluster, _connector, descriptor, layout, token, _backend.UseClusterDns, _backend.Settings, _logger, cancellationToken, pods)
            : null;

    /// <summary>Publishes a refreshed deployment of the same service, unless a deploy or teardown replaced <paramref name="current"/> meanwhile.</summary>
    private bool Replace(KubernetesDeployment current, KubernetesDeployment next)
    {
        lock (_gate)
        {
            if (_disposed || !ReferenceEquals(_snapshot, current))
            {
                return false;
            }

            _snapshot = next;
            return true;
        }
    }

    /// <summary>What the status shows while the deploy waits.</summary>
    private void Progress(Readiness? readiness)
    {
        lock (_gate)
        {
            _readiness = readiness;
        }
    }

    private async Task TearDownCoreAsync(string reason, CancellationToken cancellationToken)
    {
        KubernetesDeployment? snapshot;
        ServiceLayout? layout;
        lock (_gate)
        {
            snapshot = _snapshot;
            _snapshot = null;
            _podRefresh?.Dispose();
            _podRefresh = null;
            layout = _layout;
            _layout = null;
            _readiness = null;
        }

        var session = await _backend.ConnectAsync().ConfigureAwait(false);
        if (layout is null)
        {
            // Not deployed by this process (a teardown of what another one left running): the same rendering
            // gives the same labels.
            var descriptor = _describe();
            layout = ServiceLayout.From(descriptor, ManifestRenderer.Render(descriptor, _backend.ManifestOptionsFor(session.DefaultNamespace)));
        }

        LogTearingDown(_logger, Name, layout.Namespace, layout.TeardownSelector, reason);

        foreach (var endpoint in snapshot?.Endpoints ?? [])
        {
            endpoint.MarkDraining();
        }

        var cluster = session.Cluster;
        await ServiceRollout.TearDownAsync(cluster, layout.Namespace, layout.TeardownSelector, cancellationToken).ConfigureAwait(false);

        // The pods get SIGTERM and finish their calls; the tunnels must outlive those calls.
        var deadline = _time.GetTimestamp();
        var stopTimeout = _backend.Settings.StopTimeout;
        while (_time.GetElapsedTime(deadline) < stopTimeout)
        {
            var remaining = await cluster.ListPodsAsync(layout.Namespace, layout.PodSelector, cancellationToken).ConfigureAwait(false);
            if (remaining.Count == 0 && (snapshot?.InFlight ?? 0) == 0)
            {
                break;
            }

            await Task.Delay(PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        Retire(snapshot, immediately: true);
        _logs.Stop();
        LogTornDown(_logger, Name, layout.Namespace);
    }

    /// <summary>Closes a replaced snapshot's channels once the calls still on them have finished.</summary>
    private void Retire(KubernetesDeployment? snapshot, bool immediately = false)
    {
        if (snapshot is null)
        {
            return;
        }

        if (immediately)
        {
            foreach (var endpoint in snapshot.Endpoints)
            {
                endpoint.Dispose();
            }

            return;
        }

        _ = KubernetesDeployment.CloseWhenIdleAsync(snapshot.Endpoints, _time);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} is ready: {Endpoints}")]
    private static partial void LogReady(ILogger logger, string service, string endpoints);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service {Service}: deploy failed: {Reason}")]
    private static partial void LogDeployFailed(ILogger logger, string service, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: tearing down everything labelled {Selector} in namespace {Namespace} ({Reason})")]
    private static partial void LogTearingDown(ILogger logger, string service, string @namespace, string selector, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: torn down in namespace {Namespace}")]
    private static partial void LogTornDown(ILogger logger, string service, string @namespace);
}

using Hoist.Client;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// One service on the cluster, seen from this process: applies its objects, waits until they serve, hands
/// out its endpoints, stamps its activity and tears it down after InactivityTtl. A call that finds no ready
/// deployment waits for one deploy at a time, like the local backend's activator.
/// </summary>
internal sealed partial class KubernetesService : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private const int PollsBetweenDiagnoses = 5;

    private readonly KubernetesBackend _backend;
    private readonly Func<ServiceDescriptor> _describe;
    private readonly ILogger _logger;
    private CancellationTokenSource? _logForwarding;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly Lock _gate = new();
    private readonly WorkerConnector _connector;
    private readonly ITimer _ticker;

    private volatile KubernetesDeployment? _snapshot;
    private Task<KubernetesDeployment>? _pending;
    private CancellationTokenSource? _deploying;
    private ServiceLayout? _layout;
    private Readiness? _readiness;
    private TimeSpan _tickInterval;
    private long _lastActivityTicks;
    private long _stampedTicks;
    private int _queued;
    private int _ticking;
    private bool _disposed;

    public KubernetesService(string name, KubernetesBackend backend, Func<ServiceDescriptor> describe, ILogger logger, TimeProvider time)
    {
        Name = name;
        _backend = backend;
        _describe = describe;
        _logger = logger;
        _time = time;
        _lastActivityTicks = time.GetUtcNow().UtcTicks;
        _connector = new WorkerConnector(logger);
        _tickInterval = InactivityPolicy.CheckInterval(null);
        _ticker = time.CreateTimer(_ => Tick(), null, _tickInterval, _tickInterval);
    }

    public string Name { get; }

    /// <summary>The ready deployment, or a wait for the deploy that makes one. On the call path: a ready service costs two reads.</summary>
    public ValueTask<ServiceDeployment> GetDeploymentAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastActivityTicks, _time.GetUtcNow().UtcTicks);
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
        }

        _ticker.Dispose();
        StopForwardingLogs();
        foreach (var endpoint in snapshot?.Endpoints ?? [])
        {
            endpoint.Dispose();
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
    /// Renders and applies the service (idempotent: a running service with the same spec does not restart), then
    /// waits until the controller reports it ready and builds the endpoints.
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
            var rendered = ServiceLayout.From(descriptor, objects);
            var token = await _backend.TokenAsync(cluster, rendered.Namespace, manifestOptions).ConfigureAwait(false);
            var activity = new DateTimeOffset(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);
            var adoption = await DecideAdoptionAsync(cluster, descriptor, rendered, token, stopping).ConfigureAwait(false);
            ServiceLayout layout;
            if (adoption.Adopt)
            {
                LogAdopted(_logger, Name, rendered.WorkloadKind.Resource.Kind, rendered.WorkloadName, rendered.Namespace, adoption.Reason);
                await ServiceRollout.StampActivityAsync(cluster, rendered, activity, stopping).ConfigureAwait(false);
                layout = rendered;
            }
            else
            {
                layout = await ServiceRollout.ApplyAsync(cluster, descriptor, objects, manifestOptions, token, activity, stopping).ConfigureAwait(false);
                LogApplied(_logger, Name, layout.WorkloadKind.Resource.Kind, layout.WorkloadName, layout.Namespace, objects.Count);
            }

            Interlocked.Exchange(ref _stampedTicks, activity.UtcTicks);

            lock (_gate)
            {
                _layout = layout;
            }

            _backend.Watch(layout.Namespace);

            await ActivateThroughControllerAsync(cluster, descriptor, objects, layout, manifestOptions, token, stopping).ConfigureAwait(false);
            var readiness = await WaitUntilReadyAsync(cluster, descriptor, layout, stopping).ConfigureAwait(false);
            var routes = WorkerRoutes.Plan(layout, readiness, _backend.UseClusterDns, _backend.Settings);
            await EnsureReachableAsync(cluster, routes, stopping).ConfigureAwait(false);
            if (_backend.Settings.SyncCode)
            {
                await SyncCodeAsync(cluster, descriptor, layout, token, stopping).ConfigureAwait(false);
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
            }

            Retire(previous);
            AdjustTicker(descriptor);
            ForwardWorkerLogs(cluster, layout);
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

    /// <summary>
    /// Brings the pods up to this run's build: a service deployed earlier (or by <c>hoist deploy</c> from another
    /// build) gets the changed files, and the same build costs one GetCode per pod. A frozen service that runs
    /// other code fails the launch: only a rollout may change it.
    /// </summary>
    private async Task SyncCodeAsync(ClusterClient cluster, ServiceDescriptor descriptor, ServiceLayout layout, string token, CancellationToken cancellationToken)
    {
        var build = CodeSync.AppBuild.For(descriptor.AssemblyName);
        try
        {
            var outcome = await PodCodeSync.SyncAsync(cluster, _connector, layout, token, build.Manifest, build.Folder, _backend.UseClusterDns, _backend.Settings, TimeSpan.FromSeconds(descriptor.Compute.LaunchTimeout), cancellationToken).ConfigureAwait(false);
            if (outcome.Changed)
            {
                LogSynced(_logger, Name, outcome.WorkersUpdated, outcome.FilesSent, outcome.BytesSent, outcome.Elapsed.TotalMilliseconds);
            }
        }
        catch (CodeSyncException ex) when (ex.NeedsFreshWorkers)
        {
            throw new CodeSyncException(
                ex.Service,
                ex.Replica,
                ex.StatusCode,
                needsFreshWorkers: true,
                $"{ex.Message} Roll this build out with 'hoist deploy', or set Hoist:Kubernetes:SyncCode=false to call the code the pods run.",
                ex);
        }
    }

    /// <summary>
    /// For a service the app's in-cluster controller scales, asks the controller's activator to wake it and hold this
    /// deploy until every rank is ready (<see cref="ControllerActivation"/>); its launch diagnosis fails the call. Without
    /// a controller, or one that does not hold the call, the readiness wait after this does the work, as before.
    /// </summary>
    private async Task ActivateThroughControllerAsync(
        ClusterClient cluster,
        ServiceDescriptor descriptor,
        IReadOnlyList<k8s.IKubernetesObject<V1ObjectMeta>> objects,
        ServiceLayout layout,
        ManifestOptions manifestOptions,
        string token,
        CancellationToken cancellationToken)
    {
        // Decided from what was rendered first, so a service the controller never scales costs no extra API call.
        var scaled = objects.Any(ControllerManifests.Scales);
        var controller = ControllerManifests.Name(manifestOptions);
        ActivatorAnswer? answer;
        try
        {
            answer = await ControllerActivation.ActivateAsync(
                cluster,
                _connector,
                scaled,
                layout.Namespace,
                KubernetesNames.ToLabelValue(manifestOptions.AppName),
                Name,
                token,
                _backend.UseClusterDns,
                _backend.Settings.ClusterDomain,
                TimeSpan.FromSeconds(descriptor.Compute.LaunchTimeout),
                _time,
                cancellationToken).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex)
        {
            LogActivatorPassed(_logger, Name, controller, $"its Service could not be read ({(int)ex.Response.StatusCode} {ex.Response.ReasonPhrase})");
            return;
        }

        if (answer?.Ready is { } ready)
        {
            LogActivated(_logger, Name, controller, ready.ReadyReplicas, ready.Woken, ready.Waited.TotalMilliseconds);
        }
        else if (answer is not null)
        {
            LogActivatorPassed(_logger, Name, controller, answer.NotHeld ?? "no answer");
        }
    }

    private async Task<Readiness> WaitUntilReadyAsync(ClusterClient cluster, ServiceDescriptor descriptor, ServiceLayout layout, CancellationToken cancellationToken)
    {
        var launchTimeout = TimeSpan.FromSeconds(descriptor.Compute.LaunchTimeout);
        var started = _time.GetTimestamp();
        for (var poll = 1; ; poll++)
        {
            var readiness = await cluster.ReadReadinessAsync(layout.WorkloadKind, layout.Namespace, layout.WorkloadName, cancellationToken).ConfigureAwait(false);
            if (readiness is { IsReady: true })
            {
                return readiness;
            }

            lock (_gate)
            {
                _readiness = readiness;
            }

            var elapsed = _time.GetElapsedTime(started);
            var timedOut = elapsed >= launchTimeout;
            if (timedOut || poll % PollsBetweenDiagnoses == 0)
            {
                // Waiting out LaunchTimeout cannot fix a malformed image name, so that fails early.
                var failure = await LaunchFailureReport.ReadAsync(cluster, layout.Namespace, layout.WorkloadName, layout.PodSelector, _backend.Settings.LogLinesInErrors, cancellationToken).ConfigureAwait(false);
                if (timedOut || failure.Diagnosis.IsPermanent)
                {
                    throw failure.ToException(Name, launchTimeout, WorkloadStatus(layout, readiness));
                }

                LogStillWaiting(_logger, Name, elapsed.TotalSeconds, failure.Diagnosis.Summary);
            }

            var wait = PollInterval < launchTimeout - elapsed ? PollInterval : launchTimeout - elapsed;
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string WorkloadStatus(ServiceLayout layout, Readiness? readiness) =>
        readiness is null
            ? $"{layout.WorkloadKind} {layout.WorkloadName} does not exist"
            : $"{layout.WorkloadKind.Resource.Kind} {layout.WorkloadName}: {readiness.Detail}";

    /// <summary>
    /// A port-forward picks its pod per connection, so a target that cannot be found (no Knative activator, no
    /// permission to list pods there) would only show later as a broken connection; say so now instead.
    /// </summary>
    private async Task EnsureReachableAsync(ClusterClient cluster, IReadOnlyList<WorkerRoute> routes, CancellationToken cancellationToken)
    {
        foreach (var route in routes.OfType<PortForwardRoute>().Where(r => r.PodSelector is not null))
        {
            try
            {
                await _connector.PickTargetAsync(cluster, route, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or k8s.Autorest.HttpOperationException)
            {
                var reason = ex is k8s.Autorest.HttpOperationException http ? $"{(int)http.Response.StatusCode} {http.Response.ReasonPhrase}: {http.Response.Content}" : ex.Message;
                throw new WorkerLaunchException(
                    Name,
                    null,
                    $"Service '{Name}' is ready, but this process cannot reach it by port-forward: {reason} " +
                    $"It needs list on pods and get and create on pods/portforward in namespace {route.Namespace}" +
                    (route.AtZero is { } zero ? $" (and in {zero.Namespace}, for Knative's activator, while the service is at zero)." : "."),
                    "",
                    exitCode: null);
            }
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
        StopForwardingLogs();
        LogTornDown(_logger, Name, layout.Namespace);
    }

    /// <summary>
    /// Shows the pods' logs (the workers' log records, stdout and stderr) in this process's log, prefixed with
    /// the pod, like the local backend does with its processes' output. One follower per service.
    /// </summary>
    private void ForwardWorkerLogs(ClusterClient cluster, ServiceLayout layout)
    {
        if (!_backend.ForwardWorkerLogs)
        {
            return;
        }

        CancellationTokenSource forwarding;
        lock (_gate)
        {
            if (_logForwarding is not null || _disposed)
            {
                return;
            }

            forwarding = _logForwarding = new CancellationTokenSource();
        }

        var workerLogger = _backend.LoggerFactory.CreateLogger($"Hoist.Worker.{Name}");
        _ = PodLogFollower.FollowAsync(
            cluster,
            layout.Namespace,
            layout.PodSelector,
            tail: null,
            (pod, line) => LogWorkerLine(workerLogger, pod, line),
            onNoLog: null,
            _time,
            forwarding.Token);
    }

    private void StopForwardingLogs()
    {
        CancellationTokenSource? forwarding;
        lock (_gate)
        {
            forwarding = _logForwarding;
            _logForwarding = null;
        }

        forwarding?.Cancel();
        forwarding?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Pod}] {Line}")]
    private static partial void LogWorkerLine(ILogger logger, string pod, string line);

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

        _ = Task.Run(async () =>
        {
            var waited = _time.GetTimestamp();
            while (snapshot.InFlight > 0 && _time.GetElapsedTime(waited) < TimeSpan.FromMinutes(10))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time).ConfigureAwait(false);
            }

            foreach (var endpoint in snapshot.Endpoints)
            {
                endpoint.Dispose();
            }
        });
    }

    private void AdjustTicker(ServiceDescriptor descriptor)
    {
        var interval = InactivityPolicy.CheckInterval(InactivityPolicy.Ttl(descriptor.Compute.InactivityTtl));
        lock (_gate)
        {
            if (interval != _tickInterval && !_disposed)
            {
                _tickInterval = interval;
                _ticker.Change(interval, interval);
            }
        }
    }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await TickAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogTickFailed(_logger, Name, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _ticking, 0);
            }
        });
    }

    /// <summary>Stamps this client's activity on the workload, and tears the service down once nobody has called it for its TTL.</summary>
    private async Task TickAsync()
    {
        ServiceLayout? layout;
        KubernetesDeployment? snapshot;
        bool deploying;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            layout = _layout;
            snapshot = _snapshot;
            deploying = _pending is { IsCompleted: false };
        }

        if (layout is null)
        {
            return;
        }

        if (snapshot is { InFlight: > 0 } || Volatile.Read(ref _queued) > 0)
        {
            Interlocked.Exchange(ref _lastActivityTicks, _time.GetUtcNow().UtcTicks);
        }

        var descriptor = _describe();
        AdjustTicker(descriptor);
        var session = await _backend.ConnectAsync().ConfigureAwait(false);
        await StampActivityAsync(session.Cluster, layout).ConfigureAwait(false);

        if (InactivityPolicy.Ttl(descriptor.Compute.InactivityTtl) is not { } ttl || deploying)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var local = new DateTimeOffset(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);
        if (!InactivityPolicy.IsExpired(ttl, local, now))
        {
            return;
        }

        // The app's controller, where there is one, owns the TTL of what it scales: it sees the calls in flight on the pods.
        var app = KubernetesNames.ToLabelValue(_backend.ManifestOptionsFor(session.DefaultNamespace).AppName);
        var controlled = await session.Cluster.ListControllerAppsAsync(layout.Namespace, _backend.Stopping).ConfigureAwait(false);
        if (InactivityPolicy.LeftToController(layout.WorkloadKind, new V1ObjectMeta { Labels = new Dictionary<string, string> { [ManifestLabels.PartOf] = app } }, controlled))
        {
            return;
        }

        // Another process may be calling the service: its renewal of the activity Lease keeps it alive.
        if (await ServiceRollout.ReadActivityAsync(session.Cluster, layout, local, _backend.Stopping).ConfigureAwait(false) is { } last
            && !InactivityPolicy.IsExpired(ttl, last, now))
        {
            return;
        }

        LogIdleTeardown(_logger, Name, ttl.TotalSeconds);
        await TearDownAsync($"no calls for its InactivityTtl of {descriptor.Compute.InactivityTtl}", _backend.Stopping).ConfigureAwait(false);
    }

    /// <summary>Whether to use the service already on the cluster as it is (<see cref="Adoption"/>), from its live workload.</summary>
    private static async Task<AdoptionDecision> DecideAdoptionAsync(ClusterClient cluster, ServiceDescriptor descriptor, ServiceLayout rendered, string token, CancellationToken cancellationToken)
    {
        var live = await cluster.ReadMetadataAsync(rendered.WorkloadKind, rendered.Namespace, rendered.WorkloadName, cancellationToken).ConfigureAwait(false);
        var readiness = live is null ? null : await cluster.ReadReadinessAsync(rendered.WorkloadKind, rendered.Namespace, rendered.WorkloadName, cancellationToken).ConfigureAwait(false);
        var secrets = live is null ? null : await SecretVersions.ReadDigestAsync(cluster, rendered.Namespace, descriptor, cancellationToken).ConfigureAwait(false);
        return Adoption.Decide(rendered, live, readiness, DeployTimeAnnotations.DescriptorDigest(descriptor), DeployTimeAnnotations.Digest(token), secrets);
    }

    private async Task StampActivityAsync(ClusterClient cluster, ServiceLayout layout)
    {
        var last = Interlocked.Read(ref _lastActivityTicks);
        if (last <= Interlocked.Read(ref _stampedTicks))
        {
            return;
        }

        try
        {
            await ServiceRollout.StampActivityAsync(cluster, layout, new DateTimeOffset(last, TimeSpan.Zero), _backend.Stopping).ConfigureAwait(false);
            Interlocked.Exchange(ref _stampedTicks, last);
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            LogStampFailed(_logger, Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: using {Kind} {Workload} in namespace {Namespace} as it is, without applying: {Reason}")]
    private static partial void LogAdopted(ILogger logger, string service, string kind, string workload, string @namespace, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: applied {Count} objects ({Kind} {Workload} in namespace {Namespace}); waiting until it is ready")]
    private static partial void LogApplied(ILogger logger, string service, string kind, string workload, string @namespace, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: controller {Controller} held the call until {Ready} replica(s) were ready (woken {Woken}, {Milliseconds:0} ms)")]
    private static partial void LogActivated(ILogger logger, string service, string controller, int ready, bool woken, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: controller {Controller} did not hold the call ({Reason}); waiting for readiness here instead")]
    private static partial void LogActivatorPassed(ILogger logger, string service, string controller, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} is ready: {Endpoints}")]
    private static partial void LogReady(ILogger logger, string service, string endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: still not ready after {Seconds:0} s: {Reason}")]
    private static partial void LogStillWaiting(ILogger logger, string service, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service {Service}: deploy failed: {Reason}")]
    private static partial void LogDeployFailed(ILogger logger, string service, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: tearing down everything labelled {Selector} in namespace {Namespace} ({Reason})")]
    private static partial void LogTearingDown(ILogger logger, string service, string @namespace, string selector, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: torn down in namespace {Namespace}")]
    private static partial void LogTornDown(ILogger logger, string service, string @namespace);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: no calls from any client for its InactivityTtl of {Seconds:0} s; tearing it down. The next call deploys it again (a cold start).")]
    private static partial void LogIdleTeardown(ILogger logger, string service, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: could not stamp its last activity: {Reason}")]
    private static partial void LogStampFailed(ILogger logger, string service, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: synced this build into {Pods} pod(s) ({Files} file(s), {Bytes} bytes) in {Milliseconds:0.#} ms")]
    private static partial void LogSynced(ILogger logger, string service, int pods, int files, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: inactivity check failed: {Reason}")]
    private static partial void LogTickFailed(ILogger logger, string service, string reason);
}

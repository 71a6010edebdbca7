using System.Collections.Concurrent;
using System.Reflection;
using Hoist.Client;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Runs each service on a Kubernetes cluster from the same manifests the build writes: server-side apply,
/// wait until ready (or LaunchTimeout, with the reason read from the pods and events), reach the workers by
/// port-forward from outside the cluster or by Service DNS from inside, tear down by label. Knative scales
/// autoscaled services. Nothing touches the cluster until the first call (or StartServiceAsync), and disposing
/// the backend leaves the services running: InactivityTtl, or a teardown, ends them.
/// </summary>
internal sealed partial class KubernetesBackend : IHoistBackend, Telemetry.IServiceStatusSource
{
    private static readonly TimeSpan JanitorInterval = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, KubernetesService> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _namespaces = new(StringComparer.Ordinal);
    private readonly Func<string, ServiceDescriptor> _describe;
    private readonly IOptionsMonitor<HoistOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sessionGate = new();
    private Task<ClusterSession>? _session;
    private readonly ITimer _janitor;
    private readonly IDisposable _statusTracking;
    private int _disposed;

    public KubernetesBackend(Func<string, ServiceDescriptor> describe, IOptionsMonitor<HoistOptions> options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _describe = describe;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Hoist.Backends.Kubernetes");
        _time = time;
        _janitor = time.CreateTimer(_ => _ = SweepAsync(), null, JanitorInterval, JanitorInterval);

        // The replica and activator-queue gauges, as this process sees its services (Status reads no API).
        _statusTracking = Telemetry.HoistInstruments.TrackStatus(this);
    }

    public KubernetesBackendOptions Settings => _options.CurrentValue.Kubernetes;

    /// <summary>Whether the workers' logs show in this process's log (<c>Hoist:ForwardWorkerLogs</c>).</summary>
    public bool ForwardWorkerLogs => _options.CurrentValue.ForwardWorkerLogs;

    public ILoggerFactory LoggerFactory => _loggerFactory;

    /// <summary>Whether workers are reached by Service DNS (in a pod) or by port-forward (anywhere else).</summary>
    public bool UseClusterDns => WorkerRoutes.UseClusterDns(Settings.ConnectMode, KubernetesConnection.InCluster);

    public CancellationToken Stopping => _stopping.Token;

    public ValueTask<ServiceDeployment> GetDeploymentAsync(string service, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var running = _services.TryGetValue(service, out var existing) ? existing : _services.GetOrAdd(service, Create);
        return running.GetDeploymentAsync(cancellationToken);
    }

    public ServiceStatus? GetStatus(string service) => _services.TryGetValue(service, out var running) ? running.Status() : null;

    public IEnumerable<Telemetry.ServiceGauges> Gauges() => _services.Values.Select(s => s.Status().Gauges);

    /// <summary>Deletes the service's objects from the cluster, found by label, whether or not this process deployed them.</summary>
    public async Task StopServiceAsync(string service, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var running = _services.TryRemove(service, out var existing) ? existing : Create(_describe(service).Name);
        try
        {
            await running.TearDownAsync("stopped by the app", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the tunnels and channels. The services keep running on the cluster, as Kubetorch's do.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _janitor.Dispose();
        _statusTracking.Dispose();
        var all = _services.Values.ToArray();
        _services.Clear();
        await Task.WhenAll(all.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        if (_session is { IsCompletedSuccessfully: true } session)
        {
            session.Result.Cluster.Dispose();
        }
    }

    /// <summary>The cluster, connected on first use; a failure (no kubeconfig yet) is retried by the next call.</summary>
    public Task<ClusterSession> ConnectAsync()
    {
        lock (_sessionGate)
        {
            if (_session is null || _session.IsFaulted)
            {
                _session = Task.Run(Connect);
            }

            return _session;
        }
    }

    /// <summary>The renderer's options for this app: the same factory <c>dotnet build</c> and the CLI use, with the cluster's namespace.</summary>
    public ManifestOptions ManifestOptionsFor(string defaultNamespace)
    {
        var settings = Settings;
        return ManifestOptionsFactory.Create(
            settings,
            Assembly.GetEntryAssembly()?.GetName().Name ?? "app",
            settings.Image ?? throw new InvalidOperationException("Hoist:Kubernetes:Image is required with the Kubernetes backend."),
            defaultNamespace,
            settingsFolder: AppSettingsFolder.Resolve()) with
        {
            // Pods export wherever this caller does.
            TelemetryEnvironment = Telemetry.TelemetryVariables.FromEnvironment(),
        };
    }

    /// <summary>
    /// The call token for a namespace: Hoist:Token when set, else the one already in the app's Secret (so a
    /// second process calls the same workers), else a new random one.
    /// </summary>
    public Task<string> TokenAsync(ClusterClient cluster, string ns, ManifestOptions manifestOptions)
    {
        if (_options.CurrentValue.Token is { Length: > 0 } configured)
        {
            return Task.FromResult(configured);
        }

        var lazy = _tokens.GetOrAdd(ns, _ => new Lazy<Task<string>>(() => ServiceRollout.TokenAsync(cluster, ns, manifestOptions, configured: null, Stopping)));
        return ForgetOnFailure(ns, lazy);
    }

    /// <summary>Adds a namespace to the janitor's rounds.</summary>
    public void Watch(string ns) => _namespaces.TryAdd(ns, 0);

    /// <summary>
    /// The janitor: tears down every Hoist service in the watched namespaces that has an InactivityTtl and no
    /// client activity for that long, including services whose clients have exited.
    /// </summary>
    internal async Task<IReadOnlyList<string>> SweepAsync()
    {
        var removed = new List<string>();
        if (_stopping.IsCancellationRequested || _session is not { IsCompletedSuccessfully: true })
        {
            return removed;
        }

        try
        {
            var cluster = (await ConnectAsync().ConfigureAwait(false)).Cluster;
            foreach (var ns in _namespaces.Keys)
            {
                var workloads = new List<k8s.Models.V1ObjectMeta>();
                var controlled = await cluster.ListControllerAppsAsync(ns, Stopping).ConfigureAwait(false);
                foreach (var kind in Manifests.WorkloadKinds.All)
                {
                    // Where an app's controller runs, the TTL of what it scales is its alone: it sees calls in flight.
                    workloads.AddRange((await cluster.ListAsync(kind.Resource, ns, HoistSelectors.Managed, Stopping).ConfigureAwait(false))
                        .Where(w => !InactivityPolicy.LeftToController(kind, w, controlled)));
                }

                var leases = await cluster.ListLeasesAsync(ns, HoistSelectors.Managed, Stopping).ConfigureAwait(false);
                foreach (var (service, instance) in InactivityPolicy.Expired(workloads, leases, _time.GetUtcNow()))
                {
                    if (_services.TryGetValue(service, out var local) && local.Status().ReadyReplicas > 0)
                    {
                        // This process serves it: its own check decides, with its own activity.
                        continue;
                    }

                    LogJanitorTeardown(_logger, service, ns);
                    await ServiceRollout.TearDownAsync(cluster, ns, HoistSelectors.ForService(service, instance), Stopping).ConfigureAwait(false);

                    removed.Add($"{ns}/{service}");
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogJanitorFailed(_logger, ex.Message);
        }

        return removed;
    }

    private async Task<string> ForgetOnFailure(string ns, Lazy<Task<string>> lazy)
    {
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            // A token that could not be read (forbidden, cluster down) is read again by the next deploy.
            _tokens.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(ns, lazy));
            throw;
        }
    }

    private KubernetesService Create(string service) =>
        new(service, this, () => _describe(service), _loggerFactory.CreateLogger($"Hoist.Services.{service}"), _time);

    private ClusterSession Connect()
    {
        var settings = Settings;
        var configuration = KubernetesConnection.Configure(settings);
        var ns = KubernetesConnection.DefaultNamespace(settings, configuration);
        LogConnected(_logger, configuration.Host, ns, UseClusterDns ? KubernetesConnectModes.ClusterDns : KubernetesConnectModes.PortForward);
        return new ClusterSession(new ClusterClient(new k8s.Kubernetes(configuration), _logger), ns);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes backend: cluster {Host}, namespace {Namespace}, workers reached by {Mode}")]
    private static partial void LogConnected(ILogger logger, string host, string @namespace, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Janitor: service {Service} in namespace {Namespace} has had no calls for its InactivityTtl; tearing it down")]
    private static partial void LogJanitorTeardown(ILogger logger, string service, string @namespace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Janitor: sweeping for idle services failed: {Reason}")]
    private static partial void LogJanitorFailed(ILogger logger, string reason);
}

/// <summary>A connected cluster and the namespace for services that do not name one.</summary>
internal sealed record ClusterSession(ClusterClient Cluster, string DefaultNamespace);

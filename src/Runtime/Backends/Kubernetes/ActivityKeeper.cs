using Hoist.Manifests;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// What a <see cref="KubernetesService"/> is doing now, as its activity keeper sees it: where it is deployed (null
/// until a deploy placed it), calls in flight on its endpoints, calls waiting for a deploy, and whether one runs.
/// </summary>
internal readonly record struct ServiceActivity(ServiceLayout? Layout, int InFlight, int Queued, bool Deploying);

/// <summary>
/// Keeps one service's activity on the cluster, on a timer: stamps this process's last call on the service's activity
/// Lease (where other processes and the in-cluster controller see it), and tears the service down once nobody, this
/// process or another, has called it for its InactivityTtl, unless the app's controller owns that TTL. The timer's
/// period follows the TTL (<see cref="InactivityPolicy.CheckInterval"/>).
/// </summary>
internal sealed partial class ActivityKeeper : IDisposable
{
    private readonly string _service;
    private readonly KubernetesBackend _backend;
    private readonly Func<ServiceDescriptor> _describe;
    private readonly Func<ServiceActivity?> _observe;
    private readonly Func<string, CancellationToken, Task> _tearDown;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ITimer _ticker;
    private readonly Lock _gate = new();
    private TimeSpan _tickInterval;
    private long _lastActivityTicks;
    private long _stampedTicks;
    private int _ticking;
    private bool _disposed;

    /// <summary>
    /// Keeps <paramref name="service"/>'s activity from now: <paramref name="observe"/> gives its state (null once it is
    /// disposed), <paramref name="tearDown"/> tears it down with a reason.
    /// </summary>
    public ActivityKeeper(
        string service,
        KubernetesBackend backend,
        Func<ServiceDescriptor> describe,
        Func<ServiceActivity?> observe,
        Func<string, CancellationToken, Task> tearDown,
        ILogger logger,
        TimeProvider time)
    {
        _service = service;
        _backend = backend;
        _describe = describe;
        _observe = observe;
        _tearDown = tearDown;
        _logger = logger;
        _time = time;
        _lastActivityTicks = time.GetUtcNow().UtcTicks;
        _tickInterval = InactivityPolicy.CheckInterval(null);
        _ticker = time.CreateTimer(_ => Tick(), null, _tickInterval, _tickInterval);
    }

    /// <summary>When this process last used the service.</summary>
    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>Records a call now. On the call path: one interlocked write.</summary>
    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, _time.GetUtcNow().UtcTicks);

    /// <summary>Records that a deploy stamped the Lease as of <paramref name="at"/>, so the next tick need not.</summary>
    public void Stamped(DateTimeOffset at) => Interlocked.Exchange(ref _stampedTicks, at.UtcTicks);

    /// <summary>Sets the timer's period for the service's InactivityTtl.</summary>
    public void Adjust(ServiceDescriptor descriptor)
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

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _ticker.Dispose();
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
                LogTickFailed(_logger, _service, ex.Message);
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
        if (_observe() is not { Layout: { } layout } state)
        {
            return;
        }

        if (state.InFlight > 0 || state.Queued > 0)
        {
            Touch();
        }

        var descriptor = _describe();
        Adjust(descriptor);
        var session = await _backend.ConnectAsync().ConfigureAwait(false);
        await StampAsync(session.Cluster, layout).ConfigureAwait(false);

        if (InactivityPolicy.Ttl(descriptor.Compute.InactivityTtl) is not { } ttl || state.Deploying)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var local = LastActivity;
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

        LogIdleTeardown(_logger, _service, ttl.TotalSeconds);
        await _tearDown($"no calls for its InactivityTtl of {descriptor.Compute.InactivityTtl}", _backend.Stopping).ConfigureAwait(false);
    }

    private async Task StampAsync(ClusterClient cluster, ServiceLayout layout)
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
            LogStampFailed(_logger, _service, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: no calls from any client for its InactivityTtl of {Seconds:0} s; tearing it down. The next call deploys it again (a cold start).")]
    private static partial void LogIdleTeardown(ILogger logger, string service, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: could not stamp its last activity: {Reason}")]
    private static partial void LogStampFailed(ILogger logger, string service, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: inactivity check failed: {Reason}")]
    private static partial void LogTickFailed(ILogger logger, string service, string reason);
}

using Hoist.Autoscaling;
using Hoist.Client;
using Hoist.Hosting;
using Hoist.Telemetry;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;

namespace Hoist.Backends.Local;

/// <summary>
/// One service on this machine: the local actuator of its <see cref="ScalingLoop{TReady}"/>. It starts and drains
/// replicas (a worker process, or every rank of a distributed group) as the loop decides, replaces a lost one, and
/// publishes the ready ones to the loop, whose activator holds calls while none is. Together they play the roles
/// Knative splits between the Deployment, the activator, the queue-proxy and the autoscaler.
/// </summary>
internal sealed partial class LocalService : IScalingActuator, IAsyncDisposable
{
    private readonly Func<ServiceDescriptor, string, Task<WorkerGroup>> _launch;
    private readonly LocalBackendOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ScalingLoop<LocalDeployment> _loop;
    private readonly List<WorkerGroup> _ready = [];

    private int _starting;
    private int _groupCount;
    private bool _disposed;

    public LocalService(
        ServiceDescriptor descriptor,
        Func<ServiceDescriptor> describe,
        Func<ServiceDescriptor, string, Task<WorkerGroup>> launch,
        LocalBackendOptions options,
        TimeProvider time,
        ILogger logger)
    {
        _launch = launch;
        _options = options;
        _time = time;
        _logger = logger;
        _loop = new ScalingLoop<LocalDeployment>(
            descriptor,
            describe,
            new ActivatorLimits(options.ActivatorQueueLimit, "Hoist:Local:ActivatorQueueLimit"),
            time,
            logger,
            timed: true,
            groupsScaleOut: true);
        _loop.Drive(this);
    }

    public string Name => _loop.Name;

    public IEnumerable<WorkerGroup> Groups
    {
        get
        {
            lock (_loop.Gate)
            {
                return _ready.ToArray();
            }
        }
    }

    /// <summary>The ready replicas for a call, or — at zero — a wait in the activator until one is ready.</summary>
    public ValueTask<ServiceDeployment> GetDeploymentAsync(CancellationToken cancellationToken)
    {
        _loop.Arrive();
        var current = _loop.Current;
        return current is not null && !current.AnyLost
            ? new ValueTask<ServiceDeployment>(current)
            : new ValueTask<ServiceDeployment>(WaitInActivatorAsync(cancellationToken));
    }

    public ServiceStatus Status()
    {
        lock (_loop.Gate)
        {
            return new ServiceStatus(Name, _ready.Count, _loop.Desired, _starting, _loop.Queued, _loop.Decisions.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        WorkerGroup[] groups;
        lock (_loop.Gate)
        {
            _disposed = true;
            _loop.StopLocked($"Service '{Name}' was stopped.");
            groups = _ready.ToArray();
            _ready.Clear();
        }

        _loop.Dispose();

        // Warm groups outlive this run (Hoist:Local:KeepWarm); the next one attaches to them.
        await Task.WhenAll(groups.Select(g => g.Warm is null ? StopGroupAsync(g) : g.DetachAsync())).ConfigureAwait(false);
    }

    /// <summary>Kills every process at once: the caller's process is exiting.</summary>
    public void KillNow()
    {
        foreach (var group in Groups)
        {
            group.KillNow();
        }
    }

    private async Task<ServiceDeployment> WaitInActivatorAsync(CancellationToken cancellationToken) =>
        await _loop.WaitForReadyAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public ReplicaCount Observe()
    {
        PruneLostLocked();
        var inFlight = 0;
        foreach (var group in _ready)
        {
            inFlight += group.InFlight;
        }

        return new ReplicaCount(_ready.Count, _starting, inFlight);
    }

    /// <inheritdoc/>
    public void Scale(int desired)
    {
        if (_disposed)
        {
            return;
        }

        for (var have = _ready.Count + _starting; have < desired; have++)
        {
            _starting++;
            var name = $"{Name}-{++_groupCount}";
            _ = StartGroupAsync(_loop.Descriptor, name);
        }

        var surplus = _ready.Count - desired;
        if (surplus > 0)
        {
            // Take the least busy out of rotation first; they finish what they have, then exit.
            var victims = _ready.OrderBy(g => g.InFlight).Take(surplus).ToArray();
            foreach (var victim in victims)
            {
                _ready.Remove(victim);
            }

            PublishLocked();
            foreach (var victim in victims)
            {
                LogScaledDown(_logger, Name, victim.Name, victim.InFlight);
                _ = StopGroupAsync(victim);
            }
        }
    }

    private async Task StartGroupAsync(ServiceDescriptor descriptor, string name)
    {
        // Called under the gate: with nothing ready, calls wait for this launch, which makes it a cold start.
        var coldStart = _ready.Count == 0;
        var launched = _time.GetTimestamp();
        WorkerGroup group;
        try
        {
            // Off the caller's thread, which holds the gate: starting processes is no work to do under it.
            group = await Task.Run(() => _launch(descriptor, name)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_loop.Gate)
            {
                _starting--;
                _loop.LaunchFailed(ex, noneReady: _ready.Count == 0);
            }

            // The worker's stderr was shown line by line as it came; the exception the calls get quotes it again.
            LogLaunchFailed(_logger, Name, name, ex is WorkerLaunchException launch ? launch.Reason : ex.Message);
            return;
        }

        bool keep;
        lock (_loop.Gate)
        {
            _starting--;
            keep = !_disposed && _ready.Count < _loop.Desired;
            if (keep)
            {
                _ready.Add(group);
                PublishLocked();
            }
        }

        if (!keep)
        {
            await StopGroupAsync(group).ConfigureAwait(false);
            return;
        }

        if (coldStart)
        {
            HoistInstruments.RecordColdStart(Name, _time.GetElapsedTime(launched));
        }

        LogReplicaReady(_logger, Name, name, string.Join(",", group.Workers.Select(w => w.ProcessId)));
        _ = WatchAsync(group);
    }

    private async Task WatchAsync(WorkerGroup group)
    {
        await group.AnyExited.ConfigureAwait(false);
        lock (_loop.Gate)
        {
            if (_ready.Contains(group))
            {
                RemoveLostLocked(group);
            }
        }
    }

    /// <summary>Drops groups with a dead process; a call may notice before the exit watcher runs.</summary>
    private void PruneLostLocked()
    {
        foreach (var group in _ready.Where(g => g.Endpoints.Any(e => e.Lost.IsCancellationRequested)).ToArray())
        {
            RemoveLostLocked(group);
        }
    }

    private void RemoveLostLocked(WorkerGroup group)
    {
        _ready.Remove(group);
        PublishLocked();

        // A distributed group is all or nothing: one dead rank takes the whole group down, and a fresh
        // group replaces it, so no rank waits forever on a collective with a dead peer.
        var reason = group.Endpoints.FirstOrDefault(e => e.LostReason is not null)?.LostReason ?? "exited";
        LogReplicaLost(_logger, Name, group.Name, reason, group.Workers.Count > 1);
        _ = Task.Run(async () =>
        {
            await group.KillAsync().ConfigureAwait(false);
            await group.DisposeAsync().ConfigureAwait(false);
        });
        Scale(_loop.Desired);
    }

    private async Task StopGroupAsync(WorkerGroup group)
    {
        await group.DrainAndStopAsync(_options.StopTimeout, _time).ConfigureAwait(false);
        await group.DisposeAsync().ConfigureAwait(false);
    }

    private void PublishLocked() =>
        _loop.Publish(_ready.Count == 0 ? null : new LocalDeployment(_loop.Descriptor, _ready.ToArray()));

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: {Replica} is ready (process {Pids})")]
    private static partial void LogReplicaReady(ILogger logger, string service, string replica, string pids);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: draining {Replica} ({InFlight} call(s) in flight) and stopping it")]
    private static partial void LogScaledDown(ILogger logger, string service, string replica, int inFlight);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: {Replica} was lost ({Reason}); starting a fresh one (whole group: {WholeGroup})")]
    private static partial void LogReplicaLost(ILogger logger, string service, string replica, string reason, bool wholeGroup);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service {Service}: {Replica} failed to launch: {Reason}")]
    private static partial void LogLaunchFailed(ILogger logger, string service, string replica, string reason);
}

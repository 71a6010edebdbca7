using Grpc.Core;
using Hoist.Autoscaling;
using Hoist.Client;
using Hoist.Hosting;
using Hoist.Telemetry;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Local;

/// <summary>
/// One service on this machine: its replicas (or its distributed group), the activator that holds calls
/// while none is ready, and the loop that measures load and applies the KPA's decisions. It plays the
/// roles Knative splits between the Deployment, the activator, the queue-proxy and the autoscaler.
/// </summary>
internal sealed partial class LocalService : IAsyncDisposable
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LaunchBackstop = TimeSpan.FromSeconds(5);

    private readonly Func<ServiceDescriptor> _describe;
    private readonly Func<ServiceDescriptor, string, Task<WorkerGroup>> _launch;
    private readonly LocalBackendOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<WorkerGroup> _ready = [];
    private readonly MetricWindow _concurrency;
    private readonly MetricWindow _requests;
    private readonly ServiceScaler _scaler;
    private readonly ITimer? _sampler;
    private readonly ITimer _ticker;

    private ServiceDescriptor _descriptor;
    private volatile LocalDeployment? _snapshot;
    private TaskCompletionSource<LocalDeployment> _readySignal = NewSignal();
    private int _starting;
    private int _queued;
    private long _arrivals;
    private long _arrivalsSampled;
    private long _lastActivity;
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
        _descriptor = descriptor;
        _describe = describe;
        _launch = launch;
        _options = options;
        _time = time;
        _logger = logger;
        _lastActivity = time.GetTimestamp();
        _scaler = new ServiceScaler(descriptor);
        if (_scaler.Policy is { } policy)
        {
            _concurrency = new MetricWindow(policy.StableWindow + TimeSpan.FromSeconds(10));
            _requests = new MetricWindow(policy.StableWindow + TimeSpan.FromSeconds(10));
            _sampler = time.CreateTimer(_ => Sample(), null, SampleInterval, SampleInterval);
        }
        else
        {
            _concurrency = new MetricWindow(TimeSpan.Zero);
            _requests = new MetricWindow(TimeSpan.Zero);
        }

        _ticker = time.CreateTimer(_ => Tick(), null, ScalingPolicy.TickInterval, ScalingPolicy.TickInterval);
    }

    public string Name => _descriptor.Name;

    public IEnumerable<WorkerGroup> Groups
    {
        get
        {
            lock (_gate)
            {
                return _ready.ToArray();
            }
        }
    }

    /// <summary>The ready replicas for a call, or — at zero — a wait in the activator until one is ready.</summary>
    public ValueTask<ServiceDeployment> GetDeploymentAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _arrivals);
        Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());
        var snapshot = _snapshot;
        return snapshot is not null && !snapshot.AnyLost
            ? new ValueTask<ServiceDeployment>(snapshot)
            : new ValueTask<ServiceDeployment>(WaitInActivatorAsync(cancellationToken));
    }

    public ServiceStatus Status()
    {
        lock (_gate)
        {
            return new ServiceStatus(
                _descriptor.Name,
                _ready.Count,
                _scaler.Desired,
                _starting,
                Volatile.Read(ref _queued),
                _scaler.Decisions.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        WorkerGroup[] groups;
        lock (_gate)
        {
            _disposed = true;
            _scaler.Rest();
            groups = _ready.ToArray();
            _ready.Clear();
            PublishLocked();
            _readySignal.TrySetException(new ObjectDisposedException(nameof(LocalService), $"Service '{Name}' was stopped."));
        }

        _sampler?.Dispose();
        _ticker.Dispose();

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

    private async Task<ServiceDeployment> WaitInActivatorAsync(CancellationToken cancellationToken)
    {
        var limit = _options.ActivatorQueueLimit;
        if (Interlocked.Increment(ref _queued) > limit)
        {
            Interlocked.Decrement(ref _queued);
            LogQueueFull(_logger, Name, limit);
            throw new CallRejectedException(
                Name,
                null,
                StatusCode.ResourceExhausted,
                $"Service '{Name}' has no ready replica and {limit} calls are already waiting for one (Hoist:Local:ActivatorQueueLimit). The call was not queued.");
        }

        try
        {
            Task<LocalDeployment> ready;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                PruneLostLocked();
                if (_snapshot is { } snapshot)
                {
                    return snapshot;
                }

                // The signal first: a launch that fails at once (a secret not configured) may fail it before
                // WakeLocked returns, even on this thread, and this call must hear that failure, not wait on its
                // replacement until LaunchTimeout.
                ready = _readySignal.Task;
                WakeLocked();
            }

            // The launch fails by itself at LaunchTimeout, with the worker's stderr; this bound is only a
            // backstop, so a waiting call hears the launch's own reason.
            var launchTimeout = TimeSpan.FromSeconds(_descriptor.Compute.LaunchTimeout);
            try
            {
                return await ready.WaitAsync(launchTimeout + LaunchBackstop, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                throw new WorkerLaunchException(
                    Name,
                    null,
                    $"Service '{Name}' had no ready replica within its launch timeout of {launchTimeout.TotalSeconds:0.###} s; the call waited in the activator and was not sent.",
                    ex.Message,
                    exitCode: null);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    /// <summary>A call arrived with nothing ready: bring the service up (a cold start), as Knative's activator pokes the autoscaler.</summary>
    private void WakeLocked()
    {
        var change = _scaler.Wake();
        if (change.WokenAfterIdle)
        {
            LogColdStartAfterIdle(_logger, Name);
        }

        HoistInstruments.RecordScaleDecision(Name, change.From, change.To, "activator");
        ReconcileLocked();
    }

    /// <summary>Starts or drains groups until ready plus starting equals the desired count.</summary>
    private void ReconcileLocked()
    {
        if (_disposed)
        {
            return;
        }

        var desired = _scaler.Desired;
        for (var have = _ready.Count + _starting; have < desired; have++)
        {
            _starting++;
            var name = $"{Name}-{++_groupCount}";
            _ = StartGroupAsync(_descriptor, name);
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
            lock (_gate)
            {
                _starting--;

                // Everyone waiting for this launch learns why it failed; later calls try again.
                var failed = _readySignal;
                _readySignal = NewSignal();
                failed.TrySetException(ex);
                if (_ready.Count == 0)
                {
                    _scaler.Rest();
                }
            }

            LogLaunchFailed(_logger, Name, name, ex.Message);
            return;
        }

        bool keep;
        lock (_gate)
        {
            _starting--;
            keep = !_disposed && _ready.Count < _scaler.Desired;
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
        lock (_gate)
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
        ReconcileLocked();
    }

    private async Task StopGroupAsync(WorkerGroup group)
    {
        await group.DrainAndStopAsync(_options.StopTimeout, _time).ConfigureAwait(false);
        await group.DisposeAsync().ConfigureAwait(false);
    }

    private void PublishLocked()
    {
        if (_ready.Count == 0)
        {
            _snapshot = null;
            if (_readySignal.Task.IsCompleted)
            {
                _readySignal = NewSignal();
            }

            return;
        }

        var snapshot = new LocalDeployment(_descriptor, _ready.ToArray());
        _snapshot = snapshot;
        _readySignal.TrySetResult(snapshot);
    }

    /// <summary>The queue-proxy's job: sample concurrency (in flight plus queued) and count arrivals.</summary>
    private void Sample()
    {
        var now = _time.GetUtcNow();
        var concurrency = Volatile.Read(ref _queued);
        foreach (var group in Groups)
        {
            concurrency += group.InFlight;
        }

        if (concurrency > 0)
        {
            Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());
        }

        var arrivals = Interlocked.Read(ref _arrivals);
        lock (_concurrency)
        {
            _concurrency.RecordSample(now, concurrency);
            _requests.RecordArrivals(now, (int)(arrivals - _arrivalsSampled));
        }

        _arrivalsSampled = arrivals;
    }

    /// <summary>Every 2 s: apply configuration changes, decide, act; and tear down after InactivityTtl.</summary>
    private void Tick()
    {
        try
        {
            TickCore();
        }
        catch (Exception ex)
        {
            LogTickFailed(_logger, Name, ex);
        }
    }

    private void TickCore()
    {
        var descriptor = _describe();
        var now = _time.GetUtcNow();
        var quietFor = _time.GetElapsedTime(Interlocked.Read(ref _lastActivity));
        double stable = 0, panic = 0;
        lock (_gate)
        {
            if (_scaler.Refresh(descriptor) is { } changed)
            {
                LogPolicyChanged(_logger, Name, changed.MinScale, changed.MaxScale, changed.TargetPerReplica);
            }
        }

        if (_scaler.Policy is { } policy)
        {
            lock (_concurrency)
            {
                var window = policy.Metric == "rps" ? _requests : _concurrency;
                stable = window.Average(now, policy.StableWindow);
                panic = window.Average(now, policy.PanicWindow);
            }
        }

        lock (_gate)
        {
            _descriptor = descriptor;
            if (_disposed)
            {
                return;
            }

            var previous = _scaler.Desired;
            var outcome = _scaler.Tick(now, new ScalingLoad(_ready.Count, _starting, Volatile.Read(ref _queued), quietFor, stable, panic));
            if (outcome.TornDownForInactivity)
            {
                LogIdleTeardown(_logger, Name, _scaler.InactivityTtl!.Value.TotalSeconds);
            }

            if (outcome.Recorded is { } recorded)
            {
                HoistInstruments.RecordScaleDecision(Name, previous, recorded.DesiredReplicas, "autoscaler");
                if (previous != recorded.DesiredReplicas || recorded.Panicking)
                {
                    LogDecision(_logger, Name, recorded.StableAverage, recorded.PanicAverage, recorded.ReadyReplicas, recorded.DesiredReplicas, recorded.Panicking, recorded.MinScale, recorded.MaxScale, recorded.Reason);
                }
                else
                {
                    LogDecisionUnchanged(_logger, Name, recorded.StableAverage, recorded.PanicAverage, recorded.ReadyReplicas, recorded.DesiredReplicas, recorded.Panicking, recorded.MinScale, recorded.MaxScale, recorded.Reason);
                }
            }

            ReconcileLocked();
        }
    }

    private static TaskCompletionSource<LocalDeployment> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Autoscaler {Service}: stable {Stable:0.##}, panic {Panic:0.##}, ready {Ready} -> desired {Desired} (panic mode {Panicking}, bounds {Min}..{Max}): {Reason}")]
    private static partial void LogDecision(ILogger logger, string service, double stable, double panic, int ready, int desired, bool panicking, int min, int max, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Autoscaler {Service}: stable {Stable:0.##}, panic {Panic:0.##}, ready {Ready} -> desired {Desired} (panic mode {Panicking}, bounds {Min}..{Max}): {Reason}")]
    private static partial void LogDecisionUnchanged(ILogger logger, string service, double stable, double panic, int ready, int desired, bool panicking, int min, int max, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: autoscaling settings changed by configuration: MinScale {Min}, MaxScale {Max}, target {Target:0.##} per replica")]
    private static partial void LogPolicyChanged(ILogger logger, string service, int min, int max, double target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: {Replica} is ready (process {Pids})")]
    private static partial void LogReplicaReady(ILogger logger, string service, string replica, string pids);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: draining {Replica} ({InFlight} call(s) in flight) and stopping it")]
    private static partial void LogScaledDown(ILogger logger, string service, string replica, int inFlight);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: {Replica} was lost ({Reason}); starting a fresh one (whole group: {WholeGroup})")]
    private static partial void LogReplicaLost(ILogger logger, string service, string replica, string reason, bool wholeGroup);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service {Service}: {Replica} failed to launch: {Reason}")]
    private static partial void LogLaunchFailed(ILogger logger, string service, string replica, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: activator queue is full ({Limit} calls waiting); refusing the call")]
    private static partial void LogQueueFull(ILogger logger, string service, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: no calls for its InactivityTtl of {Seconds:0} s; tearing it down. The next call starts it again (a cold start).")]
    private static partial void LogIdleTeardown(ILogger logger, string service, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: a call arrived after an inactivity teardown; cold-starting it")]
    private static partial void LogColdStartAfterIdle(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service {Service}: autoscaler tick failed")]
    private static partial void LogTickFailed(ILogger logger, string service, Exception exception);
}

using Grpc.Core;
using Hoist.Client;
using Hoist.Telemetry;
using Microsoft.Extensions.Logging;

namespace Hoist.Autoscaling;

/// <summary>What a scaling loop sees of a service's replicas (groups, for a distributed service) at one moment.</summary>
/// <param name="Ready">Replicas serving calls: a group counts only when every rank is ready.</param>
/// <param name="Starting">Replicas asked for that are not ready yet.</param>
/// <param name="InFlight">Calls running on the ready replicas; null when some replica could not say, which the loop takes as busy.</param>
internal readonly record struct ReplicaCount(int Ready, int Starting, int? InFlight);

/// <summary>
/// Where a <see cref="ScalingLoop{TReady}"/>'s decisions take effect: worker processes on this machine, or a
/// workload's replicas in a cluster. The loop calls it under <see cref="ScalingLoop{TReady}.Gate"/> and never does I/O
/// itself; an actuator starts and stops work off that thread, then reports back with
/// <see cref="ScalingLoop{TReady}.Publish"/> (replicas ready, or none) and <see cref="ScalingLoop{TReady}.LaunchFailed"/>.
/// </summary>
internal interface IScalingActuator
{
    /// <summary>The replicas as the actuator knows them now, after dropping any it knows are lost.</summary>
    ReplicaCount Observe();

    /// <summary>Starts or drains replicas until ready plus starting equals <paramref name="desired"/>.</summary>
    void Scale(int desired);
}

/// <summary>The activator's limits, and the setting a refusal names.</summary>
internal sealed record ActivatorLimits(int QueueLimit, string QueueLimitSetting);

/// <summary>
/// One service's autoscaling loop, the same for every backend: the activator that holds calls while no replica is
/// ready (bounded queue, wake, LaunchTimeout), the queue-proxy's sampling of concurrency and arrivals, and the 2 s tick
/// that refreshes the settings, asks the <see cref="ServiceScaler"/> (KPA, InactivityTtl, a group all or nothing) and
/// hands its answer to the <see cref="IScalingActuator"/>. The local backend runs it on its timers over worker
/// processes; the in-cluster controller drives it tick by tick over a StatefulSet's or Deployment's replicas.
/// </summary>
/// <typeparam name="TReady">What a ready service hands a waiting call: the local backend's endpoints, or the workload the controller saw ready.</typeparam>
internal sealed partial class ScalingLoop<TReady> : IDisposable
    where TReady : class
{
    /// <summary>How often the local loop samples concurrency, as Knative's queue-proxy reports it.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long past LaunchTimeout a waiting call gives up by itself. The launch fails at LaunchTimeout with its own
    /// reason (a worker's stderr, a pod's diagnosis), which the call hears; this bound is only a backstop.
    /// </summary>
    public static readonly TimeSpan LaunchBackstop = TimeSpan.FromSeconds(5);

    private readonly Func<ServiceDescriptor> _describe;
    private readonly ActivatorLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MetricWindow _concurrency;
    private readonly MetricWindow _requests;
    private readonly ServiceScaler _scaler;
    private readonly ITimer? _sampler;
    private readonly ITimer? _ticker;

    private IScalingActuator? _actuator;
    private ServiceDescriptor _descriptor;
    private volatile TReady? _current;
    private TaskCompletionSource<TReady> _readySignal = NewSignal();
    private int _queued;
    private long _arrivals;
    private long _arrivalsSampled;
    private long _lastActivityTicks;
    private bool _stopped;

    /// <param name="descriptor">The service as it is now.</param>
    /// <param name="describe">The service as configuration says on each tick (a reload changes its settings).</param>
    /// <param name="limits">The activator's queue bound.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The service's logger.</param>
    /// <param name="timed">True: the loop samples and ticks on its own timers. False: its owner calls <see cref="Tick"/> and <see cref="RecordConcurrency"/>.</param>
    /// <param name="desired">The replicas the service already runs (a workload found at startup), or 0.</param>
    /// <param name="lastActivity">The last call known when the loop starts; now when null (a service just deployed counts as just called).</param>
    /// <param name="groupsScaleOut">True where the actuator runs many groups of a distributed service, each with its own rendezvous (local processes, or a StatefulSet of ordinal blocks in a cluster); false holds a group service at one group (a StatefulSet rendered for one).</param>
    public ScalingLoop(ServiceDescriptor descriptor, Func<ServiceDescriptor> describe, ActivatorLimits limits, TimeProvider time, ILogger logger, bool timed, int desired = 0, DateTimeOffset? lastActivity = null, bool groupsScaleOut = false)
    {
        _descriptor = descriptor;
        _describe = describe;
        _limits = limits;
        _time = time;
        _logger = logger;
        _lastActivityTicks = (lastActivity ?? time.GetUtcNow()).UtcTicks;
        _scaler = new ServiceScaler(descriptor, desired, groupsScaleOut);
        var retention = _scaler.Policy is { } policy ? policy.StableWindow + TimeSpan.FromSeconds(10) : TimeSpan.Zero;
        _concurrency = new MetricWindow(retention);
        _requests = new MetricWindow(retention);
        if (timed)
        {
            if (_scaler.Policy is not null)
            {
                _sampler = time.CreateTimer(_ => Sample(), null, SampleInterval, SampleInterval);
            }

            _ticker = time.CreateTimer(_ => Tick(_time.GetUtcNow()), null, ScalingPolicy.TickInterval, ScalingPolicy.TickInterval);
        }
    }

    /// <summary>The lock the loop and its actuator share: the actuator's own state changes under it too.</summary>
    public Lock Gate { get; } = new();

    public string Name => _descriptor.Name;

    /// <summary>The service's settings as of the last tick.</summary>
    public ServiceDescriptor Descriptor => _descriptor;

    /// <summary>What the ready replicas hand a call; null while none is ready. Read without the lock, on the call path.</summary>
    public TReady? Current => _current;

    /// <summary>The replicas (groups) the service should run.</summary>
    public int Desired => _scaler.Desired;

    /// <summary>Calls waiting in the activator.</summary>
    public int Queued => Volatile.Read(ref _queued);

    public IReadOnlyCollection<ScaleDecision> Decisions => _scaler.Decisions;

    public TimeSpan? InactivityTtl => _scaler.InactivityTtl;

    /// <summary>Connects the actuator; the loop does nothing before it has one.</summary>
    public void Drive(IScalingActuator actuator) => _actuator = actuator;

    /// <summary>A call arrived: counted for the rps metric, and the service is not quiet.</summary>
    public void Arrive()
    {
        Interlocked.Increment(ref _arrivals);

        // On every call's path: one plain exchange, as this is the newest news there is (racing arrivals differ by
        // nanoseconds, which no window or TTL can tell apart).
        Interlocked.Exchange(ref _lastActivityTicks, _time.GetUtcNow().UtcTicks);
    }

    /// <summary>Someone called the service at <paramref name="at"/> (a caller's activity seen from afar); earlier news changes nothing.</summary>
    public void RecordActivity(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        long seen;
        while (ticks > (seen = Interlocked.Read(ref _lastActivityTicks))
               && Interlocked.CompareExchange(ref _lastActivityTicks, ticks, seen) != seen)
        {
        }
    }

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>
    /// The activator: the ready replicas for a call, or a wait, bounded by the queue limit and by LaunchTimeout, while
    /// the service wakes. A launch that fails fails every call waiting for it, with its reason.
    /// </summary>
    public async Task<TReady> WaitForReadyAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _queued) > _limits.QueueLimit)
        {
            Interlocked.Decrement(ref _queued);
            LogQueueFull(_logger, Name, _limits.QueueLimit);
            throw new CallRejectedException(
                Name,
                null,
                StatusCode.ResourceExhausted,
                $"Service '{Name}' has no ready replica and {_limits.QueueLimit} calls are already waiting for one ({_limits.QueueLimitSetting}). The call was not queued.");
        }

        try
        {
            Task<TReady> ready;
            TimeSpan launchTimeout;
            lock (Gate)
            {
                ObjectDisposedException.ThrowIf(_stopped, this);
                // Observing drops replicas the actuator knows are lost, so a dead one is never handed to this call.
                _actuator?.Observe();
                if (_current is { } current)
                {
                    return current;
                }

                // The signal first: a launch that fails at once (a secret not configured) may fail it before Wake
                // returns, even on this thread, and this call must hear that failure, not wait on its replacement.
                ready = _readySignal.Task;
                launchTimeout = TimeSpan.FromSeconds(_descriptor.Compute.LaunchTimeout);
                WakeLocked();
            }

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

    /// <summary>
    /// The actuator's news, under <see cref="Gate"/>: what ready replicas hand a call now, or null when none is. The
    /// first replica ready releases every waiting call.
    /// </summary>
    public void Publish(TReady? ready)
    {
        _current = ready;
        if (ready is null)
        {
            if (_readySignal.Task.IsCompleted)
            {
                _readySignal = NewSignal();
            }

            return;
        }

        _readySignal.TrySetResult(ready);
    }

    /// <summary>
    /// A launch failed, under <see cref="Gate"/>: every call waiting for it learns why, later calls try again, and a
    /// service with nothing ready rests at zero instead of relaunching on every tick.
    /// </summary>
    public void LaunchFailed(Exception reason, bool noneReady)
    {
        var failed = _readySignal;
        _readySignal = NewSignal();
        failed.TrySetException(reason);
        if (noneReady)
        {
            _scaler.Rest();
        }
    }

    /// <summary>Wakes a service at zero (a call is waiting, or a caller was seen from afar), under <see cref="Gate"/>.</summary>
    public void WakeLocked()
    {
        var change = _scaler.Wake();
        if (change.WokenAfterIdle)
        {
            LogColdStartAfterIdle(_logger, Name);
        }

        HoistInstruments.RecordScaleDecision(Name, change.From, change.To, "activator");
        Reconcile();
    }

    /// <summary>The queue-proxy's job on this machine: sample concurrency (in flight plus queued) and count arrivals.</summary>
    private void Sample()
    {
        int? inFlight;
        lock (Gate)
        {
            inFlight = _actuator?.Observe().InFlight;
        }

        RecordConcurrency(_time.GetUtcNow(), inFlight);
    }

    /// <summary>
    /// One concurrency sample: the calls in flight on the replicas (null: some replica could not say) plus those
    /// waiting in the activator. A busy service is not quiet, whoever is calling it. With no replica ready and nothing
    /// waiting there is nothing to measure, and nothing is recorded, as Knative scrapes no pod and hears nothing from
    /// its activator then: a burst after an idle spell is averaged on its own (<see cref="MetricWindow"/>), not with
    /// the zeros of the idle time.
    /// </summary>
    public void RecordConcurrency(DateTimeOffset at, int? inFlight)
    {
        var concurrency = Volatile.Read(ref _queued) + (inFlight ?? 0);
        if (concurrency > 0 || inFlight is null)
        {
            RecordActivity(at);
        }

        var arrivals = Interlocked.Read(ref _arrivals);
        if (_current is null && concurrency == 0 && inFlight is not null && arrivals == Interlocked.Read(ref _arrivalsSampled))
        {
            return;
        }

        lock (_concurrency)
        {
            _concurrency.RecordSample(at, concurrency);
            _requests.RecordArrivals(at, (int)(arrivals - _arrivalsSampled));
            _arrivalsSampled = arrivals;
        }
    }

    /// <summary>Every 2 s: apply configuration changes, decide, act; and tear down after InactivityTtl.</summary>
    public ScalingOutcome? Tick(DateTimeOffset now)
    {
        try
        {
            return TickCore(now);
        }
        catch (Exception ex)
        {
            LogTickFailed(_logger, Name, ex);
            return null;
        }
    }

    private ScalingOutcome? TickCore(DateTimeOffset now)
    {
        var descriptor = _describe();
        var quietFor = now - LastActivity;
        if (quietFor < TimeSpan.Zero)
        {
            quietFor = TimeSpan.Zero;
        }

        lock (Gate)
        {
            if (_scaler.Refresh(descriptor) is { } changed)
            {
                LogPolicyChanged(_logger, Name, changed.MinScale, changed.MaxScale, changed.TargetPerReplica);
            }
        }

        double stable = 0, panic = 0;
        if (_scaler.Policy is { } policy)
        {
            lock (_concurrency)
            {
                var window = policy.Metric == "rps" ? _requests : _concurrency;
                stable = window.Average(now, policy.StableWindow);
                panic = window.Average(now, policy.PanicWindow);
            }
        }

        lock (Gate)
        {
            _descriptor = descriptor;
            if (_stopped || _actuator is null)
            {
                return null;
            }

            var seen = _actuator.Observe();
            var previous = _scaler.Desired;
            var outcome = _scaler.Tick(now, new ScalingLoad(seen.Ready, seen.Starting, Volatile.Read(ref _queued), quietFor, stable, panic));
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

            Reconcile();
            return outcome;
        }
    }

    private void Reconcile()
    {
        if (!_stopped)
        {
            _actuator?.Scale(_scaler.Desired);
        }
    }

    /// <summary>
    /// Stops the loop: no more ticks, nothing should run, and calls still waiting fail with <paramref name="reason"/>.
    /// Under <see cref="Gate"/>; the actuator stops its own replicas.
    /// </summary>
    public void StopLocked(string reason)
    {
        _stopped = true;
        _scaler.Rest();
        _current = null;
        _readySignal.TrySetException(new ObjectDisposedException(GetType().Name, reason));
    }

    public void Dispose()
    {
        _sampler?.Dispose();
        _ticker?.Dispose();
    }

    private static TaskCompletionSource<TReady> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Autoscaler {Service}: stable {Stable:0.##}, panic {Panic:0.##}, ready {Ready} -> desired {Desired} (panic mode {Panicking}, bounds {Min}..{Max}): {Reason}")]
    private static partial void LogDecision(ILogger logger, string service, double stable, double panic, int ready, int desired, bool panicking, int min, int max, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Autoscaler {Service}: stable {Stable:0.##}, panic {Panic:0.##}, ready {Ready} -> desired {Desired} (panic mode {Panicking}, bounds {Min}..{Max}): {Reason}")]
    private static partial void LogDecisionUnchanged(ILogger logger, string service, double stable, double panic, int ready, int desired, bool panicking, int min, int max, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: autoscaling settings changed by configuration: MinScale {Min}, MaxScale {Max}, target {Target:0.##} per replica")]
    private static partial void LogPolicyChanged(ILogger logger, string service, int min, int max, double target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: activator queue is full ({Limit} calls waiting); refusing the call")]
    private static partial void LogQueueFull(ILogger logger, string service, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: no calls for its InactivityTtl of {Seconds:0} s; tearing it down. The next call starts it again (a cold start).")]
    private static partial void LogIdleTeardown(ILogger logger, string service, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: a call arrived after an inactivity teardown; cold-starting it")]
    private static partial void LogColdStartAfterIdle(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service {Service}: autoscaler tick failed")]
    private static partial void LogTickFailed(ILogger logger, string service, Exception exception);
}

using System.Collections.Concurrent;
using System.Net;
using Hoist.Client;
using Hoist.Autoscaling;
using Hoist.Manifests;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>Where the in-cluster controller works: one app's services in one namespace.</summary>
public sealed class ScalingControllerOptions
{
    /// <summary>The namespace of the services; the controller pod's own (downward API) when the manifests set it.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>The app whose services it scales (their <c>app.kubernetes.io/part-of</c>), so two apps' controllers never fight.</summary>
    public string AppName { get; set; } = string.Empty;

    /// <summary>
    /// Read the calls in flight from each pod's worker (at its pod IP) on every tick, so a long call keeps its group up.
    /// Only a controller inside the cluster reaches pod IPs; one run from a shell for a test turns this off, and then
    /// goes by the callers' activity Lease alone (a pod that cannot be asked would count as busy forever).
    /// </summary>
    public bool ReadWorkerLoad { get; set; } = true;

    /// <summary>
    /// The app's call token (the pod's <c>HOIST_TOKEN</c>, from the app's token Secret): <c>Activate</c> holds only calls
    /// that carry it, since a held call wakes GPU groups and a failed one hears a crashing container's last lines. Empty
    /// refuses every <c>Activate</c>, and callers then wait for readiness themselves.
    /// </summary>
    public string CallToken { get; set; } = string.Empty;

    /// <summary>Who this controller is in the leader Lease (<see cref="LeaderElection"/>): its pod's name and a per-process id.</summary>
    public string Identity { get; set; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";
}

/// <summary>
/// The in-cluster controller's loop: every 2 s (the KPA's tick) it lists the app's StatefulSets and Deployments and
/// their activity Leases, asks each workload's <see cref="WorkloadScaler"/> what it should run, and sets that through
/// the actuator, recording each change as an Event on the workload (<see cref="ScalingEvents"/>). Everything it reads and writes is in <see cref="ControllerManifests.Rights"/>, which its Role grants and nothing
/// more. A tick that fails is logged and the next one starts afresh from what the cluster shows.
/// </summary>
internal sealed partial class ScalingController(
    IKubernetes client,
    IWorkloadActuator actuator,
    WorkerLoadProbe probe,
    IOptions<ScalingControllerOptions> options,
    TimeProvider time,
    ILogger<ScalingController> logger) : BackgroundService, IWorkloadActivator
{
    // Ticks add and remove scalers; the activator's calls look them up from gRPC threads.
    private readonly ConcurrentDictionary<string, WorkloadScaler> _scalers = new(StringComparer.Ordinal);

    // Workloads whose last tick failed, by key: each waits out its own backoff while the others go on.
    private readonly Dictionary<string, TickBackoff> _failing = new(StringComparer.Ordinal);
    private long _lastTickEndedTicks = time.GetUtcNow().UtcTicks;

    private volatile bool _leads;
    private bool _leaseForbidden;

    /// <summary>Whether this controller holds the app's leader Lease: only the leader scales and holds calls.</summary>
    public bool IsLeader => _leads;

    /// <summary>When the loop last finished a tick, failed or not: the liveness probe's heartbeat (<see cref="ControllerLiveness"/>).</summary>
    public DateTimeOffset LastTickEnded => new(Interlocked.Read(ref _lastTickEndedTicks), TimeSpan.Zero);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, options.Value.AppName, options.Value.Namespace);
        using var timer = new PeriodicTimer(ScalingPolicy.TickInterval, time);
        TickBackoff? backoff = null;
        do
        {
            if (backoff is { } waiting && !waiting.IsDue(time.GetUtcNow()))
            {
                continue;
            }

            try
            {
                if (await ElectAsync(stoppingToken).ConfigureAwait(false))
                {
                    await TickAsync(stoppingToken).ConfigureAwait(false);
                }

                backoff = null;
            }
            catch (Exception ex) when (TickBackoff.Survives(ex, stoppingToken))
            {
                // The whole tick failed (the list of workloads or Leases): the next starts afresh from what the cluster shows.
                backoff = TickBackoff.After(backoff, time.GetUtcNow());
                LogTickFailed(logger, backoff.Value.Failures, (backoff.Value.RetryAt - time.GetUtcNow()).TotalSeconds, TickBackoff.Describe(ex));
            }
            finally
            {
                Interlocked.Exchange(ref _lastTickEndedTicks, time.GetUtcNow().UtcTicks);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>
    /// One round of the election: reads the app's leader Lease, and takes or renews it when it may
    /// (<see cref="LeaderElection.Decide"/>). A replace that another controller beat (409) leaves this one a follower. A
    /// Role from before the election (no rights on single Leases) leaves the controller leading alone, as it did then.
    /// </summary>
    internal async Task<bool> ElectAsync(CancellationToken cancellationToken)
    {
        if (_leaseForbidden)
        {
            return _leads = true;
        }

        var ns = options.Value.Namespace;
        var name = Manifests.ControllerManifests.Name(new ManifestOptions { AppName = options.Value.AppName, Image = "unused" });
        var wasLeading = _leads;
        try
        {
            V1Lease? current;
            try
            {
                current = await client.CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                current = null;
            }

            var decision = LeaderElection.Decide(current, name, ns, options.Value.Identity, time.GetUtcNow());
            if (decision.Write is { } lease)
            {
                if (decision.Create)
                {
                    await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }

            _leads = decision.Leads;
            if (_leads != wasLeading)
            {
                LogLeadership(logger, options.Value.Identity, _leads ? "leads" : "follows", decision.Holder ?? "nobody");
            }
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            _leads = false;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            LogElectionForbidden(logger, ns);
            _leaseForbidden = true;
            _leads = true;
        }
        catch
        {
            // Unsure whether it still holds the Lease: it must not act as if it did.
            _leads = false;
            throw;
        }

        return _leads;
    }

    /// <summary>One tick over every workload of the app.</summary>
    internal async Task TickAsync(CancellationToken cancellationToken)
    {
        var ns = options.Value.Namespace;
        var selector = $"{ManifestLabels.ManagedBy}={ManifestLabels.ManagedByHoist},{ManifestLabels.PartOf}={KubernetesNames.ToLabelValue(options.Value.AppName)}";
        var workloads = new List<ScaledWorkload>();
        foreach (var kind in WorkloadKinds.All.Where(k => k.ControllerScales))
        {
            // Every kind it scales by its group, version and plural; the kind reads what it scales from each.
            var list = (System.Text.Json.JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync(
                kind.Resource.Group, kind.Resource.Version, ns, kind.Resource.Plural, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
            var items = list.TryGetProperty("items", out var found) ? found.EnumerateArray().ToArray() : [];
            workloads.AddRange(items.Select(item => kind.Scaled(item)).OfType<ScaledWorkload>());
        }

        var leases = await ListLeasesAsync(ns, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        foreach (var workload in workloads)
        {
            if (_failing.TryGetValue(workload.Key, out var failing) && !failing.IsDue(now))
            {
                continue;
            }

            try
            {
                await TickAsync(workload, leases, now, cancellationToken).ConfigureAwait(false);
                _failing.Remove(workload.Key);
            }
            catch (Exception ex) when (TickBackoff.Survives(ex, cancellationToken))
            {
                // One workload's failure (its pods unreadable, its scale refused) must not stop the others' scaling.
                var next = _failing[workload.Key] = TickBackoff.After(_failing.TryGetValue(workload.Key, out var previous) ? previous : null, now);
                LogWorkloadTickFailed(logger, workload.Kind.Kind, workload.Name, next.Failures, (next.RetryAt - now).TotalSeconds, TickBackoff.Describe(ex));
            }
        }

        foreach (var forgotten in _failing.Keys.Except(workloads.Select(w => w.Key), StringComparer.Ordinal).ToArray())
        {
            _failing.Remove(forgotten);
        }

        // A workload torn down or no longer scaled by anything: the calls it holds fail now, and its state is forgotten,
        // so a new one starts afresh.
        foreach (var gone in _scalers.Keys.Except(workloads.Select(w => w.Key), StringComparer.Ordinal).ToArray())
        {
            if (_scalers.TryRemove(gone, out var scaler))
            {
                scaler.Remove();
            }
        }
    }

    private async Task TickAsync(ScaledWorkload workload, IReadOnlyDictionary<string, DateTimeOffset?> leases, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var scaler = _scalers.GetOrAdd(workload.Key, _ => new WorkloadScaler(workload, time, logger));
        var (inFlight, idleSince, readyPods) = await ReadLoadAsync(workload, cancellationToken).ConfigureAwait(false);
        if (workload.GroupsScaleOut && readyPods is not null)
        {
            // Which pods are ready, not only how many: a group serves only when every pod of its block is.
            workload = workload with { ReadyBlocks = ScaledWorkload.WholeGroups(readyPods, workload.Name, workload.GroupSize) };
        }

        var lastActivity = workload.LastActivity(leases.GetValueOrDefault(workload.Instance));
        if (idleSince > lastActivity)
        {
            lastActivity = idleSince.Value;
        }

        var verdict = scaler.Tick(now, workload, lastActivity, inFlight);
        if (verdict.SetReplicas is { } replicas)
        {
            await ScaleAsync(workload, verdict, replicas, now, cancellationToken).ConfigureAwait(false);
        }

        if (scaler.LaunchOverdue(now))
        {
            scaler.FailLaunch(await WorkloadDiagnosis.ExplainAsync(client, workload, TimeSpan.FromSeconds(workload.Descriptor.Compute.LaunchTimeout), cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// The activator: holds a call to <paramref name="service"/> until every replica (every rank) of its workload is
    /// ready, waking it at zero. A workload that is not ready within its LaunchTimeout fails the call with the launch
    /// diagnosis read from its pods and events.
    /// </summary>
    public async Task<WorkloadActivation> ActivateAsync(string service, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();

        // A workload a client has just applied is first seen on the next tick: wait for two before calling it unknown.
        var scaler = Find(service);
        for (var tick = 0; scaler is null && tick < 2; tick++)
        {
            await Task.Delay(ScalingPolicy.TickInterval, time, cancellationToken).ConfigureAwait(false);
            scaler = Find(service);
        }

        if (scaler is null)
        {
            throw new WorkloadNotScaledException(service);
        }

        var now = time.GetUtcNow();
        var ready = scaler.WaitForReadyAsync(now, cancellationToken, out var woke);
        if (woke is { } replicas)
        {
            var workload = scaler.Workload;
            try
            {
                await ScaleAsync(workload, new WorkloadVerdict(replicas, null, false, Woken: true), replicas, now, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException ex)
            {
                // Every call held for this wake hears why it cannot come, rather than waiting out the LaunchTimeout.
                scaler.FailLaunch(new WorkerLaunchException(
                    service,
                    null,
                    $"The Hoist controller could not scale {workload.Kind.Kind} {workload.Namespace}/{workload.Name} to {replicas}: {(int)ex.Response.StatusCode} {ex.Response.ReasonPhrase} {ex.Response.Content}",
                    "",
                    exitCode: null));
            }
        }

        var readyWorkload = await ready.ConfigureAwait(false);
        return new WorkloadActivation(readyWorkload.ReadyReplicas, woke is not null, time.GetElapsedTime(started));
    }

    private WorkloadScaler? Find(string service) =>
        _scalers.Values.FirstOrDefault(s => string.Equals(s.Service, service, StringComparison.Ordinal));

    private async Task ScaleAsync(ScaledWorkload workload, WorkloadVerdict verdict, int replicas, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reason = Reason(verdict);
        LogScaling(logger, workload.Kind.Kind, workload.Name, workload.SpecReplicas, replicas, reason);
        await actuator.ScaleAsync(workload, replicas, cancellationToken).ConfigureAwait(false);
        await RecordAsync(ScalingEvents.Create(workload, verdict, replicas, reason, now), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The calls running on the workload's pods (null when a ready pod did not say, which the loop takes as busy), and
    /// when the last of them ended: a call that outlasts its caller's last Lease renewal counts from its end.
    /// </summary>
    private async Task<(int? InFlight, DateTimeOffset? IdleSince, IReadOnlyList<string>? ReadyPods)> ReadLoadAsync(ScaledWorkload workload, CancellationToken cancellationToken)
    {
        if (!options.Value.ReadWorkerLoad || workload.SpecReplicas == 0)
        {
            return (0, null, null);
        }

        var load = await probe.ReadAsync(workload, cancellationToken).ConfigureAwait(false);
        return (load.Unknown > 0 ? null : load.InFlight, load.IdleSince, load.ReadyPods.ToArray());
    }

    /// <summary>The newest renewal of each service's activity Lease, by instance; none when Leases may not be listed.</summary>
    private async Task<IReadOnlyDictionary<string, DateTimeOffset?>> ListLeasesAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            var leases = await client.CoordinationV1.ListNamespacedLeaseAsync(
                ns,
                labelSelector: $"{ManifestLabels.Component}={InactivityPolicy.ActivityComponent}",
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return leases.Items
                .Where(l => l.Metadata?.Labels?.ContainsKey(ManifestLabels.Instance) == true)
                .GroupBy(l => l.Metadata.Labels[ManifestLabels.Instance], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Max(InactivityPolicy.Renewed), StringComparer.Ordinal);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            // Without the Leases every service looks idle since it was created; refusing to scale is the safer answer.
            throw new InvalidOperationException($"The controller may not list Leases in namespace '{ns}': its Role must grant coordination.k8s.io leases list.", ex);
        }
    }

    // The record is for people; a failure to write it must not stop the scaling it records.
    private async Task RecordAsync(Corev1Event record, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(record, record.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            LogRecordFailed(logger, record.InvolvedObject.Name, ex.Message);
        }
    }

    private static string Reason(WorkloadVerdict verdict) =>
        verdict.Woken ? "a call woke it"
        : verdict.TornDownForInactivity ? "no calls for its InactivityTtl"
        : verdict.Recorded?.Reason ?? "settings";

    [LoggerMessage(Level = LogLevel.Information, Message = "Controller {Identity} now {Role} (the Lease's holder: {Holder})")]
    private static partial void LogLeadership(ILogger logger, string identity, string role, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The controller may not get, create or update its leader Lease in namespace {Namespace}: it leads alone, as before leader election. Apply the controller's manifests again for the Role that grants it.")]
    private static partial void LogElectionForbidden(ILogger logger, string @namespace);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hoist controller started for app {App} in namespace {Namespace}")]
    private static partial void LogStarted(ILogger logger, string app, string @namespace);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} {Workload}: replicas {From} -> {To}: {Reason}")]
    private static partial void LogScaling(ILogger logger, string kind, string workload, int from, int to, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Workload}: the scaling was applied but its Event was not recorded: {Reason}")]
    private static partial void LogRecordFailed(ILogger logger, string workload, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Controller tick failed ({Failures} in a row; next try in {Seconds:0} s): {Reason}")]
    private static partial void LogTickFailed(ILogger logger, int failures, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} {Workload}: its tick failed ({Failures} in a row; next try in {Seconds:0} s), the other workloads go on: {Reason}")]
    private static partial void LogWorkloadTickFailed(ILogger logger, string kind, string workload, int failures, double seconds, string reason);
}

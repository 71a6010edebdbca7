using Hoist.Autoscaling;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>One tick's verdict for a workload: the replicas to set (null: leave them), and the decision recorded.</summary>
internal sealed record WorkloadVerdict(int? SetReplicas, ScaleDecision? Recorded, bool TornDownForInactivity, bool Woken);

/// <summary>
/// The in-cluster controller's decisions for one workload, tick by tick: the same <see cref="ServiceScaler"/> the local
/// backend runs (KPA, InactivityTtl, a group all or nothing), fed with what a cluster shows instead of what a process
/// table shows. A group counts as one replica when all its ranks are ready; the activity Lease, which every caller
/// renews while its calls flow, says how long the service has been quiet. Nothing here reads a clock or the API.
/// </summary>
/// <remarks>
/// A call that finds the service at zero wakes it in one of two ways, and both are seen here: the calling client
/// applies the service again (its replicas come back above zero, set by someone other than this controller), or a
/// client renews the activity Lease after the controller took the service down. Either wakes the scaler, so its next
/// decision does not take the group straight back to zero.
/// </remarks>
internal sealed class WorkloadScaler
{
    private readonly ServiceScaler _scaler;
    private ScaledWorkload _workload;
    private int? _applied;
    private DateTimeOffset? _restedAt;

    public WorkloadScaler(ScaledWorkload workload)
    {
        _workload = workload;
        _scaler = new ServiceScaler(workload.Descriptor, Groups(workload.SpecReplicas, workload.GroupSize));

        // Found at zero (a controller restarted after stopping it, say): a wake from now on counts as one.
        if (workload.SpecReplicas == 0)
        {
            _applied = 0;
        }
    }

    public IReadOnlyCollection<ScaleDecision> Decisions => _scaler.Decisions;

    /// <param name="now">The tick's time.</param>
    /// <param name="workload">The workload as the cluster shows it now.</param>
    /// <param name="lastActivity">The latest call anyone recorded (<see cref="InactivityPolicy.LastActivity"/>).</param>
    public WorkloadVerdict Tick(DateTimeOffset now, ScaledWorkload workload, DateTimeOffset lastActivity)
    {
        RefreshSettings(workload);
        _workload = workload;

        _restedAt ??= _applied == 0 ? now : null;
        var woken = false;
        if (_scaler.Desired == 0 && (ScaledUpByOthers(workload) || lastActivity > _restedAt))
        {
            _scaler.Wake();
            woken = true;
        }

        var (ready, starting) = workload.GroupSize > 1 || _scaler.IsDistributed
            ? (workload.ReadyReplicas >= workload.GroupSize ? 1 : 0, workload.SpecReplicas > 0 && workload.ReadyReplicas < workload.GroupSize ? 1 : 0)
            : (workload.ReadyReplicas, Math.Max(0, workload.SpecReplicas - workload.ReadyReplicas));
        var quietFor = now > lastActivity ? now - lastActivity : TimeSpan.Zero;

        // The controller sees activity, not in-flight counts: a group is one replica or none, so the KPA's answer for
        // it turns on quiet time alone (zero only after a quiet stable window plus the grace period).
        var outcome = _scaler.Tick(now, new ScalingLoad(ready, starting, Queued: 0, quietFor, StableAverage: 0, PanicAverage: 0));

        var replicas = _scaler.Desired * workload.GroupSize;
        int? set = null;
        if (replicas != workload.SpecReplicas)
        {
            set = replicas;
            _applied = replicas;
            if (replicas == 0)
            {
                _restedAt = now;
            }
        }

        return new WorkloadVerdict(set, outcome.Recorded, outcome.TornDownForInactivity, woken);
    }

    private bool ScaledUpByOthers(ScaledWorkload workload) => _applied == 0 && workload.SpecReplicas > 0;

    // The annotations changed (a redeploy with other settings): take them without losing the KPA's state.
    private void RefreshSettings(ScaledWorkload workload)
    {
        var before = _workload.Descriptor;
        var after = workload.Descriptor;
        if (before.Autoscale != after.Autoscale || before.Compute.InactivityTtl != after.Compute.InactivityTtl || before.Distribution != after.Distribution)
        {
            _scaler.Refresh(after);
        }
    }

    private static int Groups(int replicas, int groupSize) => (replicas + groupSize - 1) / groupSize;
}

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Why a workload is not ready, read from the cluster: <see cref="LaunchFailureDiagnosis"/> over its pods and the
/// namespace's events, with the crashing container's last lines when the diagnosis wants them. The one read both sides
/// make: a client waiting on its own deploy, and the in-cluster controller holding calls to a service it woke.
/// </summary>
internal sealed record LaunchFailureReport(LaunchDiagnosis Diagnosis, string? Log)
{
    /// <summary>Reads the pods of <paramref name="podSelector"/>, the events of <paramref name="ns"/>, and a log tail if the diagnosis wants one.</summary>
    public static async Task<LaunchFailureReport> ReadAsync(ClusterClient cluster, string ns, string workloadName, string podSelector, int logLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var pods = await cluster.ListPodsAsync(ns, podSelector, cancellationToken).ConfigureAwait(false);
        var events = await cluster.ListEventsAsync(ns, cancellationToken).ConfigureAwait(false);
        var diagnosis = LaunchFailureDiagnosis.Explain(pods, events, workloadName);
        var log = diagnosis.WantsLog
            ? await cluster.ReadLogTailAsync(ns, diagnosis.Pod!, diagnosis.Container!, logLines, cancellationToken).ConfigureAwait(false)
            : null;
        return new LaunchFailureReport(diagnosis, log);
    }

    /// <summary>The error a caller gets: the diagnosis as <see cref="LaunchFailureDiagnosis.Message"/> words it, the log tail as its output.</summary>
    public WorkerLaunchException ToException(string service, TimeSpan launchTimeout, string? workloadStatus) =>
        new(service, Diagnosis.Pod, LaunchFailureDiagnosis.Message(service, launchTimeout, Diagnosis, Log, workloadStatus), Log ?? "", Diagnosis.ExitCode);
}

using System.Globalization;
using k8s;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// What the controller tells a held call whose service was not ready within its LaunchTimeout: the same launch
/// diagnosis a client's own deploy gives (<see cref="LaunchFailureReport"/>), read with the controller's rights
/// (pods list, events list, pods/log get).
/// </summary>
internal static class WorkloadDiagnosis
{
    /// <summary>Log lines quoted from a crashing container: a client's default (<c>Hoist:Kubernetes:LogLinesInErrors</c>).</summary>
    public const int LogLines = 20;

    /// <summary>Reads why <paramref name="workload"/> is not ready and words it as the error its callers get.</summary>
    public static async Task<WorkerLaunchException> ExplainAsync(IKubernetes client, ScaledWorkload workload, TimeSpan launchTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);

        // Not disposed: the wrapper owns nothing but the controller's own client, which outlives this read.
        var cluster = new ClusterClient(client);
        var report = await LaunchFailureReport.ReadAsync(cluster, workload.Namespace, workload.Name, workload.PodSelector, LogLines, cancellationToken).ConfigureAwait(false);
        return report.ToException(workload.Descriptor.Name, launchTimeout, Status(workload));
    }

    // As a client words a workload it waited on: "StatefulSet train: 2/4 ready".
    private static string Status(ScaledWorkload workload) =>
        $"{workload.Kind.Kind} {workload.Name}: {workload.ReadyReplicas.ToString(CultureInfo.InvariantCulture)}/{workload.SpecReplicas.ToString(CultureInfo.InvariantCulture)} ready";
}

using System.Globalization;
using System.Text;
using Hoist.Backends.Kubernetes;
using k8s.Models;
using Hoist.Manifests;

namespace Hoist.Cli.Cluster;

/// <summary>Where one service is on its way to ready: its workload's counts, its pods and the latest event about it.</summary>
internal sealed record ServiceProgress(string Service, Readiness? Readiness, IReadOnlyList<V1Pod> Pods, Corev1Event? LatestEvent);

/// <summary>
/// The lines <c>hoist deploy</c> prints while it waits: per service, ready/desired, each pod's phase and the
/// newest event. Pure, so the wording is tested without a cluster.
/// </summary>
internal static class DeployProgress
{
    private const int MaxPodsShown = 4;

    /// <summary>"embed: 0/2 ready · embed-7d9f-x Pending (ContainerCreating), embed-7d9f-y Running · event Pulling: Pulling image ..."</summary>
    public static string Line(ServiceProgress progress)
    {
        var text = new StringBuilder();
        text.Append(progress.Service).Append(": ");
        if (progress.Readiness is not { } readiness)
        {
            text.Append("not created yet");
        }
        else
        {
            text.Append(Count(readiness.Ready)).Append('/').Append(Count(readiness.Desired)).Append(" ready");
            if (!readiness.IsReady && readiness.Detail.Length > 0)
            {
                text.Append(" (").Append(readiness.Detail).Append(')');
            }
        }

        var pods = progress.Pods.Where(p => p.Metadata?.Name is not null).ToArray();
        if (pods.Length > 0)
        {
            text.Append(" · ");
            text.AppendJoin(", ", pods.Take(MaxPodsShown).Select(p => $"{p.Metadata.Name} {PodPhase(p)}"));
            if (pods.Length > MaxPodsShown)
            {
                text.Append(", +").Append(Count(pods.Length - MaxPodsShown)).Append(" more");
            }
        }

        if (progress.LatestEvent is { } latest)
        {
            text.Append(" · ").Append(latest.Type == "Warning" ? "warning " : "event ").Append(latest.Reason ?? "?").Append(": ").Append(CliError.OneLine(latest.Message ?? ""));
        }

        return text.ToString();
    }

    /// <summary>The final line of a service that became ready.</summary>
    public static string Ready(string service, Readiness readiness, TimeSpan elapsed) =>
        $"{service}: ready, {Count(readiness.Ready)}/{Count(readiness.Desired)} in {Age(elapsed)}";

    /// <summary>What kubectl's STATUS column says: the phase, or why a container waits or ended, or Terminating.</summary>
    public static string PodPhase(V1Pod pod)
    {
        if (pod.Metadata?.DeletionTimestamp is not null)
        {
            return "Terminating";
        }

        var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []).ToArray();
        if (statuses.Select(s => s.State?.Waiting?.Reason).FirstOrDefault(r => r is { Length: > 0 } && r != "PodInitializing") is { } waiting)
        {
            return pod.Status?.Phase is "Pending" or null ? $"Pending ({waiting})" : waiting;
        }

        if (statuses.Select(s => s.State?.Terminated?.Reason).FirstOrDefault(r => r is { Length: > 0 }) is { } terminated && pod.Status?.Phase != "Succeeded")
        {
            return terminated;
        }

        var phase = pod.Status?.Phase ?? "Pending";
        if (phase == "Running" && statuses.Length > 0 && statuses.Any(s => !s.Ready))
        {
            return "Running, not ready";
        }

        if (phase == "Pending" && pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False") is { } unscheduled)
        {
            return $"Pending ({unscheduled.Reason ?? "Unschedulable"})";
        }

        return phase;
    }

    /// <summary>The newest event about the service's workload or pods, as the launch diagnosis selects them.</summary>
    public static Corev1Event? Latest(IEnumerable<Corev1Event> events, string workloadName, IReadOnlyList<V1Pod> pods)
    {
        var podNames = pods.Select(p => p.Metadata?.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return events
            .Where(e => LaunchFailureDiagnosis.IsAbout(e, workloadName, podNames))
            .OrderByDescending(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue)
            .FirstOrDefault();
    }

    /// <summary>kubectl's ages: "45s", "3m", "5h", "2d".</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 120 ? $"{Count((int)age.TotalSeconds)}s"
            : age.TotalMinutes < 120 ? $"{Count((int)age.TotalMinutes)}m"
            : age.TotalHours < 48 ? $"{Count((int)age.TotalHours)}h"
            : $"{Count((int)age.TotalDays)}d";
    }

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}

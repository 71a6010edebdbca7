using System.Globalization;
using k8s.Models;

namespace Hoist.Backends.Kubernetes;

/// <summary>Why a service's pods did not become ready, most actionable first.</summary>
internal enum LaunchFailureKind
{
    /// <summary>The image cannot be pulled: ErrImagePull, ImagePullBackOff, InvalidImageName.</summary>
    ImagePull,

    /// <summary>The container cannot be created from its spec, e.g. a missing Secret (CreateContainerConfigError).</summary>
    ContainerConfig,

    /// <summary>The worker keeps exiting: CrashLoopBackOff, OOMKilled, or an error exit with restarts.</summary>
    CrashLoop,

    /// <summary>No node fits the pod: FailedScheduling, PodScheduled=False/Unschedulable.</summary>
    Unschedulable,

    /// <summary>The controller could not create pods at all: FailedCreate (quota, admission, policy).</summary>
    FailedCreate,

    /// <summary>The worker runs but its gRPC health probe never passed.</summary>
    NotReady,

    /// <summary>Still on the way: scheduling, pulling, starting. Nothing is wrong yet, only slow.</summary>
    Pending,
}

/// <summary>The reason a launch failed, as read from the pods and events, and the pod it was read from.</summary>
internal sealed record LaunchDiagnosis(LaunchFailureKind Kind, string Reason, string Detail, string? Pod, string? Container, int? ExitCode)
{
    /// <summary>The one-line reason for the error message: "ImagePullBackOff: pod x: ...".</summary>
    public string Summary => Detail.Length == 0 ? Reason : $"{Reason}: {Detail}";

    /// <summary>A crash is explained best by the container's own last words.</summary>
    public bool WantsLog => Kind == LaunchFailureKind.CrashLoop && Pod is not null && Container is not null;

    /// <summary>
    /// Waiting longer cannot help: the image name is malformed, the pull policy forbids pulling, or the namespace's
    /// Pod Security admission refuses the pods ("violates PodSecurity"), which no retry of the controller changes.
    /// </summary>
    public bool IsPermanent => Reason is "InvalidImageName" or "ErrImageNeverPull" || ViolatesPodSecurity;

    /// <summary>The namespace enforces a Pod Security level the pods do not meet.</summary>
    public bool ViolatesPodSecurity => Kind == LaunchFailureKind.FailedCreate && Detail.Contains("violates PodSecurity", StringComparison.Ordinal);
}

/// <summary>
/// Turns the pods and events of a service that did not become ready into the reason a person can act on:
/// the image cannot be pulled, no node fits, the worker crashes, or it never passes its health probe. Pure:
/// it reads model objects, so it is tested with hand-built pods and events.
/// </summary>
internal static class LaunchFailureDiagnosis
{
    private static readonly HashSet<string> s_imagePullReasons = new(StringComparer.Ordinal)
    {
        "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable", "ErrRegistryUnavailable",
    };

    private static readonly HashSet<string> s_configReasons = new(StringComparer.Ordinal)
    {
        "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
    };

    /// <summary>
    /// The most actionable reason across <paramref name="pods"/>; with no pods, what the controllers' events say.
    /// <paramref name="events"/> may hold the namespace's events: only those about these pods or
    /// <paramref name="workloadName"/> and its children (ReplicaSets, revisions) are read.
    /// </summary>
    public static LaunchDiagnosis Explain(IReadOnlyList<V1Pod> pods, IReadOnlyList<Corev1Event> events, string? workloadName = null)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(events);
        var podNames = pods.Select(p => p.Metadata?.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var relevant = events.Where(e => IsAbout(e, workloadName, podNames)).OrderByDescending(When).ToArray();

        var diagnoses = pods.Where(p => p.Metadata?.DeletionTimestamp is null).Select(p => ExplainPod(p, relevant)).ToArray();
        if (diagnoses.Length > 0)
        {
            var worst = diagnoses.OrderBy(d => d.Kind).First();
            var alike = diagnoses.Count(d => d.Kind == worst.Kind);
            return alike > 1 ? worst with { Detail = $"{worst.Detail} ({alike} of {diagnoses.Length} pods)" } : worst;
        }

        if (relevant.FirstOrDefault(e => e.Reason is "FailedCreate" or "FailedScheduling" || e.Type == "Warning") is { } warning)
        {
            var kind = warning.Reason == "FailedScheduling" ? LaunchFailureKind.Unschedulable : LaunchFailureKind.FailedCreate;
            return new LaunchDiagnosis(kind, warning.Reason ?? "Warning", $"no pod was created: {Subject(warning)}{Clean(warning.Message)}", null, null, null);
        }

        return new LaunchDiagnosis(LaunchFailureKind.Pending, "NoPods", "no pod was created yet and there are no warning events", null, null, null);
    }

    /// <summary>Whether <paramref name="event"/> is about one of the pods, the workload, or an object it owns by name (ReplicaSet "x-5d8f", revision "x-00001").</summary>
    public static bool IsAbout(Corev1Event @event, string? workloadName, IReadOnlySet<string> podNames)
    {
        var name = @event.InvolvedObject?.Name;
        if (name is null)
        {
            return false;
        }

        return podNames.Contains(name)
            || (workloadName is { Length: > 0 } workload && (name == workload || name.StartsWith(workload + "-", StringComparison.Ordinal)));
    }

    /// <summary>The message of the error a caller sees: what did not become ready, in how long, and why.</summary>
    public static string Message(string service, TimeSpan launchTimeout, LaunchDiagnosis diagnosis, string? logTail, string? workloadStatus = null)
    {
        var message = diagnosis.IsPermanent
            ? $"Service '{service}' cannot start: {diagnosis.Summary}"
            : $"Service '{service}' was not ready within its launch timeout of {launchTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s: {diagnosis.Summary}";
        if (workloadStatus is { Length: > 0 } status)
        {
            message += $" [{status}]";
        }

        return logTail is { Length: > 0 } log
            ? $"{message}{Environment.NewLine}Last lines of {diagnosis.Pod}/{diagnosis.Container}:{Environment.NewLine}{log.TrimEnd()}"
            : message;
    }

    private static LaunchDiagnosis ExplainPod(V1Pod pod, IReadOnlyList<Corev1Event> events)
    {
        var name = pod.Metadata?.Name ?? "?";
        var podEvents = events.Where(e => e.InvolvedObject?.Name == name).ToArray();
        var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []).ToArray();

        foreach (var status in statuses)
        {
            if (status.State?.Waiting is { Reason: { } reason } waiting && s_imagePullReasons.Contains(reason))
            {
                // The kubelet's Failed event carries the registry's answer ("not found", "unauthorized").
                var pullError = podEvents.FirstOrDefault(e => e.Reason == "Failed" && e.Message?.Contains("pull", StringComparison.OrdinalIgnoreCase) == true)?.Message;
                var image = status.Image is { Length: > 0 } i ? $" \"{i}\"" : "";
                return new LaunchDiagnosis(LaunchFailureKind.ImagePull, reason, $"pod {name}, container {status.Name}: cannot pull image{image}: {Clean(pullError ?? waiting.Message)}", name, status.Name, null);
            }
        }

        foreach (var status in statuses)
        {
            if (status.State?.Waiting is { Reason: { } reason } waiting && s_configReasons.Contains(reason))
            {
                return new LaunchDiagnosis(LaunchFailureKind.ContainerConfig, reason, $"pod {name}, container {status.Name}: {Clean(waiting.Message)}", name, status.Name, null);
            }
        }

        foreach (var status in statuses)
        {
            var terminated = status.State?.Terminated ?? status.LastState?.Terminated;
            var crashing = status.State?.Waiting?.Reason == "CrashLoopBackOff";
            var failedExit = terminated is { ExitCode: not 0 } && (status.RestartCount > 0 || status.State?.Terminated is not null);
            if (crashing || failedExit)
            {
                var reason = crashing ? "CrashLoopBackOff" : terminated?.Reason ?? "Error";
                var exit = terminated is null ? "" : $"exit code {terminated.ExitCode.ToString(CultureInfo.InvariantCulture)}{(terminated.Reason is { Length: > 0 } r && r != reason ? $", {r}" : "")}, ";
                return new LaunchDiagnosis(
                    LaunchFailureKind.CrashLoop,
                    reason,
                    $"pod {name}, container {status.Name} keeps exiting ({exit}{status.RestartCount.ToString(CultureInfo.InvariantCulture)} restarts){(terminated?.Message is { Length: > 0 } m ? $": {Clean(m)}" : "")}",
                    name,
                    status.Name,
                    terminated?.ExitCode);
            }
        }

        var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled is { Status: "False" } || (pod.Spec?.NodeName is null && podEvents.Any(e => e.Reason == "FailedScheduling")))
        {
            var why = podEvents.FirstOrDefault(e => e.Reason == "FailedScheduling")?.Message ?? scheduled?.Message;
            return new LaunchDiagnosis(LaunchFailureKind.Unschedulable, "Unschedulable", $"pod {name} cannot be scheduled: {Clean(why)}", name, null, null);
        }

        var running = statuses.FirstOrDefault(s => s.State?.Running is not null && s.Ready != true);
        if (running is not null)
        {
            var probe = podEvents.FirstOrDefault(e => e.Reason == "Unhealthy")?.Message;
            return new LaunchDiagnosis(
                LaunchFailureKind.NotReady,
                "NotReady",
                $"pod {name}, container {running.Name} is running but its gRPC health probe has not passed{(probe is null ? "" : $": {Clean(probe)}")}",
                name,
                running.Name,
                null);
        }

        var waitingFor = statuses.Select(s => s.State?.Waiting).FirstOrDefault(w => w?.Reason is not null);
        var latest = podEvents.FirstOrDefault();
        var detail = waitingFor is not null
            ? $"{waitingFor.Reason}{(waitingFor.Message is { Length: > 0 } wm ? $": {Clean(wm)}" : "")}"
            : latest is not null ? $"{latest.Reason}: {Clean(latest.Message)}" : pod.Status?.Phase ?? "Pending";
        return new LaunchDiagnosis(LaunchFailureKind.Pending, "Pending", $"pod {name} is still starting ({detail})", name, null, null);
    }

    private static DateTime When(Corev1Event e) =>
        e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue;

    private static string Subject(Corev1Event e) =>
        e.InvolvedObject is { Kind: { } kind, Name: { } name } ? $"{kind} {name}: " : "";

    private static string Clean(string? message) =>
        string.IsNullOrWhiteSpace(message) ? "no details" : message.Trim().ReplaceLineEndings(" ");
}

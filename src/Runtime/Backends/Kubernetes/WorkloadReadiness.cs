using System.Globalization;
using System.Text.Json;
using k8s.Models;

namespace Hoist.Backends.Kubernetes;

/// <summary>Whether a workload serves its current spec, how many replicas are ready, and what it is waiting for.</summary>
internal sealed record Readiness(bool IsReady, int Ready, int Desired, string Detail)
{
    /// <summary>For a Knative Service: the revision that serves the current template.</summary>
    public string? Revision { get; init; }

    public static Readiness Waiting(int ready, int desired, string detail) => new(false, ready, desired, detail);
}

/// <summary>
/// Reads a workload's status the way <c>kubectl rollout status</c>, Knative and KubeRay do: ready only when the
/// controller has seen the current spec and every replica of it is ready. Pure, over model objects and JSON.
/// </summary>
internal static class WorkloadReadiness
{
    /// <summary>
    /// A workload at zero replicas (the in-cluster controller stopped it): nothing to call, so not ready, and a client
    /// applies it again rather than adopting it as it is.
    /// </summary>
    public static Readiness ScaledToZero { get; } = Readiness.Waiting(0, 0, "scaled to zero: the next call brings it back");

    public static Readiness Of(V1Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var desired = deployment.Spec?.Replicas ?? 1;
        var status = deployment.Status;
        var ready = status?.ReadyReplicas ?? 0;
        if (desired == 0)
        {
            return ScaledToZero;
        }

        if (status is null || (status.ObservedGeneration ?? 0) < (deployment.Metadata?.Generation ?? 0))
        {
            return Readiness.Waiting(ready, desired, "the deployment controller has not seen the current spec yet");
        }

        if (status.Conditions?.FirstOrDefault(c => c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded") is { } stuck)
        {
            return Readiness.Waiting(ready, desired, $"rollout stuck: {stuck.Message}");
        }

        var updated = status.UpdatedReplicas ?? 0;
        if (updated < desired)
        {
            return Readiness.Waiting(ready, desired, $"{Count(updated)} of {Count(desired)} replicas updated");
        }

        if ((status.Replicas ?? 0) > updated)
        {
            return Readiness.Waiting(ready, desired, $"{Count((status.Replicas ?? 0) - updated)} old replicas are pending termination");
        }

        var available = status.AvailableReplicas ?? 0;
        return available < updated
            ? Readiness.Waiting(ready, desired, $"{Count(available)} of {Count(updated)} updated replicas available")
            : new Readiness(true, ready, desired, "ready");
    }

    public static Readiness Of(V1StatefulSet statefulSet)
    {
        ArgumentNullException.ThrowIfNull(statefulSet);
        var desired = statefulSet.Spec?.Replicas ?? 1;
        var status = statefulSet.Status;
        var ready = status?.ReadyReplicas ?? 0;
        if (desired == 0)
        {
            return ScaledToZero;
        }

        if (status is null || (status.ObservedGeneration ?? 0) < (statefulSet.Metadata?.Generation ?? 0))
        {
            return Readiness.Waiting(ready, desired, "the statefulset controller has not seen the current spec yet");
        }

        if (ready < desired)
        {
            return Readiness.Waiting(ready, desired, $"{Count(ready)} of {Count(desired)} ranks ready");
        }

        // updatedReplicas counts the pods whose controller-revision-hash is the update revision, whatever the
        // strategy (computeReplicaStatus in kubernetes' pkg/controller/statefulset/stateful_set_control.go): every
        // rank on it means no group mixes old and new code.
        if ((status.UpdatedReplicas ?? 0) < desired)
        {
            return Readiness.Waiting(ready, desired, $"{Count(status.UpdatedReplicas ?? 0)} of {Count(desired)} ranks updated");
        }

        if (status.Replicas > desired)
        {
            return Readiness.Waiting(ready, desired, $"{Count(status.Replicas - desired)} old ranks are pending termination");
        }

        // Under OnDelete the controller never moves currentRevision to updateRevision (kubernetes#73492, #106055), so
        // it cannot say when a rollout is over; the count above does. Under RollingUpdate it moves when one completes.
        return !IsOnDelete(statefulSet) && status.UpdateRevision is { Length: > 0 } update && status.CurrentRevision != update
            ? Readiness.Waiting(ready, desired, "rolling update in progress")
            : new Readiness(true, ready, desired, "ready");
    }

    private static bool IsOnDelete(V1StatefulSet statefulSet) =>
        string.Equals(statefulSet.Spec?.UpdateStrategy?.Type, "OnDelete", StringComparison.Ordinal);

    /// <summary>A Knative Service: Ready=True for the current generation, and its latest revision is the one that serves.</summary>
    public static Readiness OfKnative(JsonElement service)
    {
        var generation = Long(service, "metadata", "generation");
        var status = Child(service, "status");
        if (status is null || (Long(service, "status", "observedGeneration") ?? 0) < (generation ?? 0))
        {
            return Readiness.Waiting(0, 1, "Knative has not seen the current spec yet");
        }

        var created = String(service, "status", "latestCreatedRevisionName");
        var readyRevision = String(service, "status", "latestReadyRevisionName");
        var ready = Condition(status.Value, "Ready");
        if (ready is ("True", _, _, _) && created is not null && created == readyRevision)
        {
            return new Readiness(true, 1, 1, "ready") { Revision = readyRevision };
        }

        var (_, reason, message, _) = ready ?? ("Unknown", null, null, null);
        return Readiness.Waiting(0, 1, reason is null ? $"revision {created ?? "(none yet)"} is not ready" : $"{reason}: {message}");
    }

    /// <summary>
    /// A KubeRay RayCluster that serves its current spec: KubeRay has seen the current generation, the head pod is
    /// ready by the current <c>HeadPodReady</c> condition and every worker is ready. <c>status.state</c> "ready"
    /// alone is not enough, since KubeRay never clears it (nor RayClusterProvisioned) when the spec changes: it is
    /// the signal only on a KubeRay old enough to have no conditions.
    /// </summary>
    public static Readiness OfRay(JsonElement cluster)
    {
        var status = Child(cluster, "status");
        var desiredWorkers = (int)(Long(cluster, "status", "desiredWorkerReplicas") ?? 0);
        var readyWorkers = (int)(Long(cluster, "status", "readyWorkerReplicas") ?? 0);
        var desired = desiredWorkers + 1;
        if (status is null)
        {
            return Readiness.Waiting(0, desired, "KubeRay has not reported a status yet");
        }

        var generation = Long(cluster, "metadata", "generation");
        if (generation is { } current && Long(cluster, "status", "observedGeneration") is { } observed && observed < current)
        {
            return Readiness.Waiting(readyWorkers, desired, "KubeRay has not seen the current spec yet");
        }

        var state = String(cluster, "status", "state");
        var headReady = Condition(status.Value, "HeadPodReady");
        var isReady = headReady is { } head
            ? head.Status == "True" && (head.ObservedGeneration is null || generation is null || head.ObservedGeneration >= generation) && readyWorkers >= desiredWorkers
            : string.Equals(state, "ready", StringComparison.OrdinalIgnoreCase);
        if (isReady)
        {
            return new Readiness(true, readyWorkers + 1, desired, "ready");
        }

        var provisioned = Condition(status.Value, "RayClusterProvisioned");
        var detail = String(cluster, "status", "reason")
            ?? (headReady is { Status: not "True" } ? headReady.Value.Message ?? "the head pod is not ready" : null)
            ?? (readyWorkers < desiredWorkers ? provisioned?.Message ?? $"{Count(readyWorkers)} of {Count(desiredWorkers)} workers ready" : null)
            ?? $"state {state ?? "unknown"}";
        return Readiness.Waiting(readyWorkers + (headReady is { Status: "True" } ? 1 : 0), desired, detail);
    }

    private static (string Status, string? Reason, string? Message, long? ObservedGeneration)? Condition(JsonElement status, string type)
    {
        if (!status.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var condition in conditions.EnumerateArray())
        {
            if (condition.TryGetProperty("type", out var t) && t.ValueEquals(type))
            {
                return (
                    condition.TryGetProperty("status", out var s) ? s.GetString() ?? "Unknown" : "Unknown",
                    condition.TryGetProperty("reason", out var r) ? r.GetString() : null,
                    condition.TryGetProperty("message", out var m) ? m.GetString() : null,
                    condition.TryGetProperty("observedGeneration", out var g) && g.TryGetInt64(out var generation) ? generation : null);
            }
        }

        return null;
    }

    private static JsonElement? Child(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element;
    }

    private static string? String(JsonElement element, params string[] path) =>
        Child(element, path) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static long? Long(JsonElement element, params string[] path) =>
        Child(element, path) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var n) ? n : null;

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Text.Json;

namespace Hoist.Manifests;

/// <summary>Whether a workload serves its current spec, how many replicas are ready, and what it is waiting for.</summary>
internal sealed record Readiness(bool IsReady, int Ready, int Desired, string Detail)
{
    /// <summary>For a Knative Service: the revision that serves the current template.</summary>
    public string? Revision { get; init; }

    public static Readiness Waiting(int ready, int desired, string detail) => new(false, ready, desired, detail);
}

/// <summary>
/// What every kind's readiness shares (each kind reads its own status, <see cref="Manifests.WorkloadKind.ReadinessOf"/>,
/// the way <c>kubectl rollout status</c>, Knative and KubeRay do): the answer for a workload at zero, and reading the
/// fields of a workload as the API returns it. Pure.
/// </summary>
internal static class WorkloadReadiness
{
    /// <summary>
    /// A workload at zero replicas (the in-cluster controller stopped it): nothing to call, so not ready, and a client
    /// applies it again rather than adopting it as it is.
    /// </summary>
    public static Readiness ScaledToZero { get; } = Readiness.Waiting(0, 0, "scaled to zero: the next call brings it back");

    internal static (string Status, string? Reason, string? Message, long? ObservedGeneration)? Condition(JsonElement status, string type)
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

    internal static JsonElement? Child(JsonElement element, params string[] path)
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

    internal static string? String(JsonElement element, params string[] path) =>
        Child(element, path) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    internal static long? Long(JsonElement element, params string[] path) =>
        Child(element, path) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var n) ? n : null;

}

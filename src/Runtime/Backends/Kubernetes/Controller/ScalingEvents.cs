using k8s.Models;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// The controller's decision records: one Kubernetes Event on the workload for each change of its replicas, which
/// <c>kubectl describe</c> and <c>hoist status &lt;service&gt;</c> show, and which outlive the controller's pod (its
/// in-memory decisions do not). Pure: the Event is built here, created by the controller.
/// </summary>
internal static class ScalingEvents
{
    /// <summary>The Events' source component, by which <c>hoist status</c> finds them among the workload's.</summary>
    public const string Component = "hoist-controller";

    public const string ScaledToZero = "ScaledToZero";
    public const string Woken = "Woken";
    public const string InactivityTtl = "InactivityTtl";
    public const string Scaled = "Scaled";

    /// <summary>
    /// The controller's records among <paramref name="events"/> for the workloads named, oldest first, as lines for
    /// <c>hoist status &lt;service&gt;</c>: "&lt;age&gt; ago  &lt;workload&gt;  &lt;reason&gt;: &lt;message&gt;". At most <paramref name="last"/>.
    /// </summary>
    public static IReadOnlyList<string> Lines(IEnumerable<Corev1Event> events, IReadOnlyCollection<string> workloads, DateTimeOffset now, int last = 10) =>
        events
            .Where(e => e.Source?.Component == Component && e.InvolvedObject?.Name is { } name && workloads.Contains(name))
            .Select(e => (At: e.LastTimestamp ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp, Event: e))
            .OrderBy(e => e.At)
            .TakeLast(last)
            .Select(e => $"{Age(now, e.At)}  {e.Event.InvolvedObject.Name}  {e.Event.Reason}: {e.Event.Message}")
            .ToArray();

    private static string Age(DateTimeOffset now, DateTime? at) =>
        at is { } time ? $"{Math.Max(0, (now - new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))).TotalSeconds):0}s ago" : "?";

    public static Corev1Event Create(ScaledWorkload workload, WorkloadVerdict verdict, int to, string reason, DateTimeOffset now) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = new V1ObjectMeta
        {
            // A name per event, as kubectl and the kubelet name theirs: the object's name and a unique suffix.
            GenerateName = workload.Name + ".",
            NamespaceProperty = workload.Namespace,
        },
        InvolvedObject = new V1ObjectReference
        {
            ApiVersion = $"{workload.Kind.Group}/{workload.Kind.Version}",
            Kind = workload.Kind.Kind,
            Name = workload.Name,
            NamespaceProperty = workload.Namespace,
            Uid = workload.Metadata.Uid,
        },
        Reason = verdict.Woken ? Woken : verdict.TornDownForInactivity ? InactivityTtl : to == 0 ? ScaledToZero : Scaled,
        Message = $"replicas {workload.SpecReplicas} -> {to}: {reason}",
        Type = "Normal",
        Source = new V1EventSource { Component = Component },
        ReportingComponent = Component,
        FirstTimestamp = now.UtcDateTime,
        LastTimestamp = now.UtcDateTime,
        Count = 1,
    };
}

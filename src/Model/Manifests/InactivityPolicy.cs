using System.Globalization;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// InactivityTtl on a cluster. Every client that calls a service renews the service's activity Lease
/// (coordination.k8s.io/v1, <c>spec.renewTime</c>) while calls flow; the service is torn down once no client has
/// renewed it for its TTL (<c>hoist.dev/inactivity-ttl</c>, which the manifests carry). The client that made the
/// last call tears it down itself, and any Hoist client in the namespace sweeps services whose clients went away.
/// A Lease because nothing reconciles it: a stamp on the workload itself would, for a Knative Service, roll down
/// to its Configuration, Route and ingress every time. Pure decisions.
/// </summary>
internal static class InactivityPolicy
{
    /// <summary>
    /// The stamp Hoist clients before the activity Lease wrote on the workload. Still read, so a service that an
    /// older client keeps calling is not taken for idle; never written.
    /// </summary>
    public const string LastActivityAnnotation = "hoist.dev/last-activity";

    /// <summary>The <c>app.kubernetes.io/component</c> of an activity Lease.</summary>
    public const string ActivityComponent = "activity";

    /// <summary>The activity Lease of a service: "&lt;instance&gt;-activity", beside its workload.</summary>
    public static string LeaseName(string instance) => $"{instance}-activity";

    /// <summary>
    /// The activity Lease as a client applies it: renewed at <paramref name="at"/>, by <paramref name="holder"/>,
    /// with the service's labels, so teardown finds it with the rest.
    /// </summary>
    public static V1Lease ActivityLease(string service, string instance, string ns, DateTimeOffset at, string holder) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = LeaseName(instance),
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>
            {
                [ManifestLabels.Name] = service,
                [ManifestLabels.Instance] = instance,
                [ManifestLabels.Component] = ActivityComponent,
                [ManifestLabels.ManagedBy] = ManifestLabels.ManagedByHoist,
            },
        },
        Spec = new V1LeaseSpec { HolderIdentity = holder, RenewTime = at.UtcDateTime },
    };

    /// <summary>When a Lease was last renewed; null when there is none.</summary>
    public static DateTimeOffset? Renewed(V1Lease? lease) =>
        lease?.Spec?.RenewTime is { } renewed ? new DateTimeOffset(DateTime.SpecifyKind(renewed, DateTimeKind.Utc)) : null;

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public static TimeSpan? Ttl(string? text) => GoDuration.PositiveOrNull(text);

    /// <summary>
    /// How often a client checks its service and refreshes the stamp: a quarter of the TTL, so a busy service is
    /// re-stamped several times before anyone could think it idle; between 1 s and 30 s.
    /// </summary>
    public static TimeSpan CheckInterval(TimeSpan? ttl) =>
        ttl is { } t ? TimeSpan.FromTicks(Math.Clamp(t.Ticks / 4, TimeSpan.TicksPerSecond, 30 * TimeSpan.TicksPerSecond)) : TimeSpan.FromSeconds(30);

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset? Parse(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    /// <summary>
    /// The latest activity anyone recorded: this client's own, the Lease's renewal, an older client's stamp on the
    /// workload, or, for a service no client has stamped (applied from the manifest files), when it was created.
    /// </summary>
    public static DateTimeOffset LastActivity(DateTimeOffset? renewed, IDictionary<string, string>? annotations, DateTime? created, DateTimeOffset? local)
    {
        var annotated = annotations is not null && annotations.TryGetValue(LastActivityAnnotation, out var text) ? Parse(text) : null;
        DateTimeOffset? stamped = renewed is { } r && (annotated is null || r > annotated) ? r : annotated;
        var latest = stamped ?? (created is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : DateTimeOffset.MinValue);
        return local is { } l && l > latest ? l : latest;
    }

    public static bool IsExpired(TimeSpan ttl, DateTimeOffset lastActivity, DateTimeOffset now) => now - lastActivity >= ttl;

    /// <summary>
    /// Whether a workload's InactivityTtl is its app's in-cluster controller's alone: a Deployment or StatefulSet (the
    /// kinds the controller scales) of an app with a controller in the namespace. The controller sees the calls in flight
    /// on its pods, which a client's janitor does not, so a client never tears such a service down for inactivity.
    /// </summary>
    public static bool LeftToController(Manifests.WorkloadKind kind, V1ObjectMeta workload, IReadOnlySet<string> appsWithController) =>
        kind.ControllerScales
        && workload.Labels is { } labels
        && labels.TryGetValue(ManifestLabels.PartOf, out var app)
        && appsWithController.Contains(app);

    /// <summary>
    /// The services among <paramref name="workloads"/> that carry a TTL and have been idle longer than it: the
    /// janitor's list, as (service, instance) label pairs to tear down.
    /// </summary>
    public static IReadOnlyList<(string Service, string Instance)> Expired(IEnumerable<V1ObjectMeta> workloads, IEnumerable<V1Lease> leases, DateTimeOffset now)
    {
        var renewals = leases
            .Where(l => l.Metadata?.Labels is { } labels && labels.ContainsKey(ManifestLabels.Instance))
            .GroupBy(l => l.Metadata.Labels[ManifestLabels.Instance], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(Renewed), StringComparer.Ordinal);
        var expired = new List<(string, string)>();
        foreach (var metadata in workloads)
        {
            if (metadata.Annotations is not { } annotations
                || !annotations.TryGetValue(ManifestAnnotations.InactivityTtl, out var ttlText)
                || Ttl(ttlText) is not { } ttl
                || metadata.Labels is not { } labels
                || !labels.TryGetValue(ManifestLabels.Name, out var service)
                || !labels.TryGetValue(ManifestLabels.Instance, out var instance)
                || metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            if (IsExpired(ttl, LastActivity(renewals.GetValueOrDefault(instance), annotations, metadata.CreationTimestamp, local: null), now))
            {
                expired.Add((service, instance));
            }
        }

        return expired;
    }
}

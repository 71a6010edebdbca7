using System.Globalization;
using Hoist.Autoscaling;
using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// InactivityTtl on a cluster. Every client that calls a service stamps <see cref="LastActivityAnnotation"/> on
/// its workload while calls flow; the service is torn down once no client has stamped it for its TTL
/// (<c>hoist.dev/inactivity-ttl</c>, which the manifests carry). The client that made the last call tears it
/// down itself, and any Hoist client in the namespace sweeps services whose clients went away. Pure decisions.
/// </summary>
internal static class InactivityPolicy
{
    /// <summary>When some client last called the service, as an RFC 3339 UTC time.</summary>
    public const string LastActivityAnnotation = "hoist.dev/last-activity";

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public static TimeSpan? Ttl(string? text) => GoDuration.TryParse(text, out var ttl) && ttl > TimeSpan.Zero ? ttl : null;

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
    /// The latest activity anyone recorded: this client's own, the stamp on the workload, or, for a workload no
    /// client has stamped (applied from the manifest files), when it was created.
    /// </summary>
    public static DateTimeOffset LastActivity(IDictionary<string, string>? annotations, DateTime? created, DateTimeOffset? local)
    {
        var stamped = annotations is not null && annotations.TryGetValue(LastActivityAnnotation, out var text) ? Parse(text) : null;
        var latest = stamped ?? (created is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : DateTimeOffset.MinValue);
        return local is { } l && l > latest ? l : latest;
    }

    public static bool IsExpired(TimeSpan ttl, DateTimeOffset lastActivity, DateTimeOffset now) => now - lastActivity >= ttl;

    /// <summary>
    /// The services among <paramref name="workloads"/> that carry a TTL and have been idle longer than it: the
    /// janitor's list, as (service, instance) label pairs to tear down.
    /// </summary>
    public static IReadOnlyList<(string Service, string Instance)> Expired(IEnumerable<V1ObjectMeta> workloads, DateTimeOffset now)
    {
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

            if (IsExpired(ttl, LastActivity(annotations, metadata.CreationTimestamp, local: null), now))
            {
                expired.Add((service, instance));
            }
        }

        return expired;
    }
}

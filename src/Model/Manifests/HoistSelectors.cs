using Hoist.Manifests;

namespace Hoist.Manifests;

/// <summary>
/// The label selectors the backend finds its objects by. Teardown selects on name, instance and managed-by, so
/// it removes only what Hoist put there for this app's service, never a same-named object someone else made.
/// </summary>
internal static class HoistSelectors
{
    /// <summary>Every object of one app's service: workloads, Services, Knative Services, RayClusters.</summary>
    public static string ForService(string service, string instance) => Format(new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        [ManifestLabels.Name] = service,
        [ManifestLabels.Instance] = instance,
        [ManifestLabels.ManagedBy] = ManifestLabels.ManagedByHoist,
    });

    /// <summary>The service's worker pods, by the same labels its Services select on.</summary>
    public static string Pods(IDictionary<string, string> selector) => Format(selector);

    /// <summary>Everything Hoist manages in a namespace, for the inactivity janitor.</summary>
    public static string Managed { get; } = $"{ManifestLabels.ManagedBy}={ManifestLabels.ManagedByHoist}";

    /// <summary>"a=1,b=2" in key order, so the same labels always give the same selector.</summary>
    public static string Format(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
}

using System.Globalization;
using Hoist.Manifests;

namespace Hoist.Cli.Cluster;

/// <summary>
/// The <c>hoist status</c> table. Each kind reads its own row from its workload (<see cref="WorkloadKind.StatusRow"/>).
/// </summary>
internal static class StatusRows
{
    /// <summary>A fixed-width table, a header row first, every column as wide as its widest cell.</summary>
    public static string Format(IReadOnlyList<ServiceRow> rows)
    {
        string[] header = ["SERVICE", "KIND", "NAMESPACE", "READY", "AUTOSCALING", "STATE"];
        return TextTable.Format(header, rows.Select(r => new[]
        {
            r.Service,
            r.Kind,
            r.Namespace,
            $"{r.Ready.ToString(CultureInfo.InvariantCulture)}/{r.Desired.ToString(CultureInfo.InvariantCulture)}",
            r.Autoscaling,
            r.State,
        }));
    }
}

using System.Collections;

namespace Hoist.Telemetry;

/// <summary>
/// The caller's OpenTelemetry settings that a pod's worker gets, so that it exports wherever the caller does: every
/// <c>OTEL_*</c> variable (the OTLP endpoint, protocol and headers, resource attributes, sampler, batch and export
/// intervals) except <c>OTEL_SERVICE_NAME</c>, since a worker reports as its own service. Pure, and in name order,
/// so the same settings render the same manifest.
/// </summary>
internal static class TelemetryVariables
{
    public const string Prefix = "OTEL_";

    public static IReadOnlyDictionary<string, string> From(IEnumerable<KeyValuePair<string, string?>> variables) =>
        new SortedDictionary<string, string>(
            variables
                .Where(v => v.Key.StartsWith(Prefix, StringComparison.Ordinal) && v.Key != OtlpExport.ServiceNameSetting && !string.IsNullOrEmpty(v.Value))
                .ToDictionary(v => v.Key, v => v.Value!, StringComparer.Ordinal),
            StringComparer.Ordinal);

    /// <summary>This process's environment.</summary>
    public static IReadOnlyDictionary<string, string> FromEnvironment() =>
        From(Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, string?>((string)e.Key, e.Value as string)));
}

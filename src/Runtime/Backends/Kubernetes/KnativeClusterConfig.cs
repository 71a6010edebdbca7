using System.Globalization;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// The cluster-wide Knative Serving settings that decide whether its webhook accepts a rendered Service: the data
/// of three ConfigMaps in <c>knative-serving</c>. A map that could not be read (not installed there, or no right to
/// read it) is null, and nothing is judged from it.
/// </summary>
internal sealed record KnativeClusterConfig(
    IReadOnlyDictionary<string, string>? Features,
    IReadOnlyDictionary<string, string>? Autoscaler,
    IReadOnlyDictionary<string, string>? Defaults)
{
    public const string Namespace = "knative-serving";

    /// <summary>The <c>kubernetes.podspec-*</c> flags: which pod fields the webhook lets through.</summary>
    public const string FeaturesMap = "config-features";

    /// <summary>The autoscaler's settings, among them <c>allow-zero-initial-scale</c>.</summary>
    public const string AutoscalerMap = "config-autoscaler";

    /// <summary>The revision defaults and limits, among them <c>max-revision-timeout-seconds</c>.</summary>
    public const string DefaultsMap = "config-defaults";

    public static IReadOnlyList<string> Maps { get; } = [FeaturesMap, AutoscalerMap, DefaultsMap];

    /// <summary>Nothing read: every check is skipped.</summary>
    public static KnativeClusterConfig Unknown { get; } = new(null, null, null);

    /// <summary>The data of one of <see cref="Maps"/>.</summary>
    public IReadOnlyDictionary<string, string>? Map(string name) => name switch
    {
        FeaturesMap => Features,
        AutoscalerMap => Autoscaler,
        DefaultsMap => Defaults,
        _ => null,
    };

    /// <summary>
    /// A feature flag as Knative's <c>asFlag</c> reads it (pkg/apis/config/features.go): "Enabled", "Allowed" or
    /// "Disabled" in any case; a missing key or any other value leaves Knative's default.
    /// </summary>
    public static KnativeFlag Flag(IReadOnlyDictionary<string, string> data, string key, KnativeFlag knativeDefault) =>
        data.TryGetValue(key, out var raw) ? raw.ToUpperInvariant() switch
        {
            "ENABLED" => KnativeFlag.Enabled,
            "ALLOWED" => KnativeFlag.Allowed,
            "DISABLED" => KnativeFlag.Disabled,
            _ => knativeDefault,
        }
        : knativeDefault;

    /// <summary>A boolean as Go's strconv.ParseBool reads it, which Knative's <c>cm.AsBool</c> uses; otherwise the default.</summary>
    public static bool Bool(IReadOnlyDictionary<string, string> data, string key, bool knativeDefault) =>
        data.TryGetValue(key, out var raw) ? raw.Trim() switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => knativeDefault,
        }
        : knativeDefault;

    /// <summary>A whole number of the map, or the default when missing or unreadable.</summary>
    public static long Integer(IReadOnlyDictionary<string, string> data, string key, long knativeDefault) =>
        data.TryGetValue(key, out var raw) && long.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : knativeDefault;
}

/// <summary>The three values of a Knative feature flag.</summary>
internal enum KnativeFlag
{
    Disabled,
    Allowed,
    Enabled,
}

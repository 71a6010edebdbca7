using System.Security.Cryptography;
using System.Text;

namespace Hoist.Manifests;

/// <summary>Kubernetes' rules for names and label values, and a stable way to shorten what does not fit.</summary>
internal static class KubernetesNames
{
    public const int MaxLabelLength = 63;

    /// <summary>A StatefulSet's pods carry <c>controller-revision-hash: &lt;name&gt;-&lt;10 chars&gt;</c>, a label value of at most 63.</summary>
    public const int MaxStatefulSetNameLength = 52;

    /// <summary>Older KubeRay releases reject longer RayCluster names (the head Service appends "-head-svc").</summary>
    public const int MaxRayClusterNameLength = 47;

    /// <summary>An RFC 1123 label, by the settings rules' own check, which the generator applies at compile time.</summary>
    public static bool IsDnsLabel(string value) => Settings.KubernetesValues.IsDnsLabel(value);

    /// <summary>Lower-cases and replaces what a DNS-1123 label cannot hold: "MyApp.Web" becomes "myapp-web".</summary>
    public static string ToDnsLabel(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value.ToLowerInvariant())
        {
            builder.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-');
        }

        var label = builder.ToString().Trim('-');
        return Fit(label.Length > 0 ? label : "app", MaxLabelLength);
    }

    /// <summary>A label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit.</summary>
    public static string ToLabelValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        }

        return Fit(builder.ToString().Trim('-', '_', '.'), MaxLabelLength);
    }

    /// <summary>
    /// The name itself when it fits, otherwise a prefix and 8 hex digits of its SHA-256, so that two long names
    /// stay distinct and the same name always shortens the same way.
    /// </summary>
    public static string Fit(string name, int maxLength)
    {
        if (name.Length <= maxLength)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        var prefix = name[..(maxLength - hash.Length - 1)].TrimEnd('-', '_', '.');
        return $"{prefix}-{hash}";
    }
}

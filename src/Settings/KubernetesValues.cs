using System.Text.RegularExpressions;

namespace Hoist.Settings
{
    /// <summary>The rules Kubernetes applies to names and quantities, as the settings rules check them.</summary>
    internal static class KubernetesValues
    {
        public const int MaxLabelLength = 63;

        public const string DnsLabelRule = "use 1 to 63 lowercase letters (a-z), digits or '-', starting and ending with a letter or digit";

        public const string ServiceNameRule = "use 1 to 63 lowercase letters (a-z), digits or '-', starting with a letter and ending with a letter or digit";

        public const string QuantityRule =
            "use a number with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent, for example \"512Mi\", \"12Gi\", \"1.5Gi\" or \"100M\"";

        private static readonly Regex s_dnsLabel = new("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant);

        private static readonly Regex s_dns1035Label = new("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant);

        // k8s.io/apimachinery resource.Quantity: a decimal number, then a binary (Ki..Ei) or decimal (n..E) suffix,
        // or a decimal exponent. Negative quantities make no sense for a request, so no '-'.
        private static readonly Regex s_quantity = new(
            @"^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$",
            RegexOptions.CultureInvariant);

        /// <summary>An RFC 1123 label: what a namespace must be.</summary>
        public static bool IsDnsLabel(string? value) =>
            value is { Length: > 0 and <= MaxLabelLength } && s_dnsLabel.IsMatch(value);

        /// <summary>
        /// An RFC 1035 label: what a Kubernetes Service's name must be, so what a Hoist service's name must be (every
        /// kind renders a Service of that name). It starts with a letter: "3d-render" is refused by the API server.
        /// </summary>
        public static bool IsServiceName(string? value) =>
            value is { Length: > 0 and <= MaxLabelLength } && s_dns1035Label.IsMatch(value);

        public static bool IsQuantity(string? value) => value is not null && s_quantity.IsMatch(value);
    }
}

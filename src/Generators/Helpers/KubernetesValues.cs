using System.Globalization;
using System.Text.RegularExpressions;

namespace Hoist.Generators.Helpers
{
    /// <summary>The rules Kubernetes and Knative apply to names, quantities and durations, checked at compile time.</summary>
    internal static class KubernetesValues
    {
        public const int MaxLabelLength = 63;

        /// <summary>Knative's autoscaling window bounds (autoscaling.knative.dev/window).</summary>
        public const double MinWindowSeconds = 6;
        public const double MaxWindowSeconds = 3600;

        private static readonly Regex s_dnsLabel = new("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant);

        // k8s.io/apimachinery resource.Quantity: a decimal number, then a binary (Ki..Ei) or decimal (n..E) suffix,
        // or a decimal exponent. Negative quantities make no sense for a request, so no '-'.
        private static readonly Regex s_quantity = new(
            @"^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$",
            RegexOptions.CultureInvariant);

        // A Go time.ParseDuration term, restricted to the units Knative users write: h, m, s, ms.
        private static readonly Regex s_durationTerm = new(@"\G([0-9]+(\.[0-9]*)?|\.[0-9]+)(ms|h|m|s)", RegexOptions.CultureInvariant);

        public static bool IsDnsLabel(string? value) =>
            value is { Length: > 0 and <= MaxLabelLength } && s_dnsLabel.IsMatch(value);

        public static bool IsQuantity(string? value) => value is not null && s_quantity.IsMatch(value);

        /// <summary>Parses a Go-style duration ("60s", "1m30s", "2m", "500ms", "1.5h") into seconds.</summary>
        public static bool TryParseDuration(string? value, out double seconds)
        {
            seconds = 0;
            if (value is null || value.Length == 0)
            {
                return false;
            }

            if (value == "0")
            {
                return true;
            }

            var position = 0;
            while (position < value.Length)
            {
                var match = s_durationTerm.Match(value, position);
                if (!match.Success)
                {
                    seconds = 0;
                    return false;
                }

                var amount = double.Parse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                seconds += match.Groups[3].Value switch
                {
                    "h" => amount * 3600,
                    "m" => amount * 60,
                    "s" => amount,
                    _ => amount / 1000,
                };
                position += match.Length;
            }

            return true;
        }
    }
}

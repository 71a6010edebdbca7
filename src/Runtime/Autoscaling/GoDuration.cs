using System.Globalization;
using System.Text.RegularExpressions;

namespace Hoist.Autoscaling;

/// <summary>
/// Parses and prints durations the way Knative writes them (Go's time.Duration): "60s", "1m30s", "500ms",
/// "24h". The generator validates the same grammar at compile time.
/// </summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"^(?:(?<value>\d+(?:\.\d+)?)(?<unit>h|ms|m|s))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = text is null ? null : Pattern().Match(text);
        if (match is null || !match.Success)
        {
            return false;
        }

        for (var i = 0; i < match.Groups["value"].Captures.Count; i++)
        {
            var value = double.Parse(match.Groups["value"].Captures[i].Value, CultureInfo.InvariantCulture);
            duration += match.Groups["unit"].Captures[i].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                _ => TimeSpan.FromMilliseconds(value),
            };
        }

        return true;
    }

    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var duration)
            ? duration
            : throw new FormatException($"{what} must be a duration such as \"60s\", \"1m30s\" or \"24h\", not \"{text}\".");
}

using Hoist.Settings;

namespace Hoist.Manifests;

/// <summary>
/// Durations the way Knative writes them (Go's time.Duration: "60s", "1m30s", ".5h", "500ms", "24h") as
/// <see cref="TimeSpan"/>s. The grammar is the settings rules' own (<see cref="SettingDuration"/>), the one the
/// generator checks at compile time, so a value that compiles is read the same way here.
/// </summary>
public static class GoDuration
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        var parsed = SettingDuration.TryParse(text, out var seconds);
        duration = parsed ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        return parsed;
    }

    /// <summary>
    /// A duration that turns something on only when it is positive, as InactivityTtl does: null when unset, zero or
    /// not a duration (the settings rules have already refused the last two).
    /// </summary>
    public static TimeSpan? PositiveOrNull(string? text) => TryParse(text, out var duration) && duration > TimeSpan.Zero ? duration : null;

    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var duration)
            ? duration
            : throw new FormatException($"{what} must be {SettingDuration.Grammar}, not \"{text}\".");
}

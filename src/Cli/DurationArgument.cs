using System.CommandLine.Parsing;
using System.Globalization;
using Hoist.Settings;

namespace Hoist.Cli;

/// <summary>
/// A duration option as configuration and the attributes take it: the rules' grammar ("30s", "1m30s", "500ms"), and
/// TimeSpan's own "00:00:30". A value that is neither is a parse error saying what is allowed.
/// </summary>
internal static class DurationArgument
{
    public static TimeSpan? Parse(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[0].Value;
        if (SettingDuration.TryParse(text, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var timeSpan) && timeSpan >= TimeSpan.Zero)
        {
            return timeSpan;
        }

        var name = result.Parent is OptionResult option ? option.Option.Name : "The value";
        result.AddError($"{name} \"{text}\" is not a duration: use {SettingDuration.Grammar}, or 00:00:30.");
        return null;
    }
}

namespace Hoist.ManifestTool;

/// <summary>What Hoist.targets passes: <c>--assembly a.dll --output dir [--stamp f] [--app-name n] [--image i] [--namespace ns] [--settings appsettings.json]</c>.</summary>
internal sealed record CommandLine(
    string Assembly,
    string Output,
    string? Stamp,
    string? AppName,
    string? Image,
    string? Namespace,
    string? Settings)
{
    public const string Usage =
        "usage: dotnet exec Hoist.ManifestTool.dll --assembly <app.dll> --output <folder> [--stamp <file>] " +
        "[--app-name <name>] [--image <image>] [--namespace <namespace>] [--settings <appsettings.json>]";

    /// <exception cref="FormatException">An unknown option, a missing value or a missing required option.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            var option = args[i];
            if (option is not ("--assembly" or "--output" or "--stamp" or "--app-name" or "--image" or "--namespace" or "--settings"))
            {
                throw new FormatException($"Unknown option '{option}'.");
            }

            if (i + 1 >= args.Count)
            {
                throw new FormatException($"Option '{option}' needs a value.");
            }

            values[option] = args[i + 1];
        }

        string? Optional(string option) => values.TryGetValue(option, out var value) && value.Length > 0 ? value : null;
        string Required(string option) => Optional(option) ?? throw new FormatException($"Option '{option}' is required.");

        return new CommandLine(
            Path.GetFullPath(Required("--assembly")),
            Path.GetFullPath(Required("--output")),
            Optional("--stamp") is { } stamp ? Path.GetFullPath(stamp) : null,
            Optional("--app-name"),
            Optional("--image"),
            Optional("--namespace"),
            Optional("--settings") is { } settings ? Path.GetFullPath(settings) : null);
    }
}

using System.Text;

namespace Hoist.Cli;

/// <summary>The process exit codes of <c>hoist</c>.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and failed: a build, the cluster, a call.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: an unknown option, a missing argument, bad JSON.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C, as shells report SIGINT.</summary>
    public const int Cancelled = 130;
}

/// <summary>
/// An expected failure as the user sees it: one line saying what went wrong, one saying what to do, and the
/// exit code. Anything the user should read first (build errors, a crashing worker's last lines) is
/// <see cref="Details"/>, printed above the error line.
/// </summary>
internal sealed record CliError(string Message, string Hint, int ExitCode = ExitCodes.Failure)
{
    public IReadOnlyList<string> Details { get; init; } = [];

    /// <summary>"error: ..." and "hint: ...", each on one line whatever the message held, details first.</summary>
    public string Format()
    {
        var text = new StringBuilder();
        foreach (var line in Details)
        {
            text.Append(line.TrimEnd()).Append('\n');
        }

        text.Append("error: ").Append(OneLine(Message)).Append('\n');
        text.Append("hint: ").Append(OneLine(Hint)).Append('\n');
        return text.ToString();
    }

    /// <summary>Collapses line breaks and runs of white space, so that an error is always exactly one line.</summary>
    public static string OneLine(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }
}

/// <summary>Thrown by a command for a failure it expected; <see cref="HoistCli"/> prints it and exits with its code.</summary>
internal sealed class CliException(CliError error, Exception? innerException = null) : Exception(error.Message, innerException)
{
    public CliException(string message, string hint, int exitCode = ExitCodes.Failure)
        : this(new CliError(message, hint, exitCode))
    {
    }

    public CliError Error { get; } = error;
}

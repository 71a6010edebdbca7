using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hoist.Setup;

/// <summary>
/// The pure half of [Setup]: which list of steps a service runs, the hash that caches it, the shell script a pod runs
/// it with, and the masking that keeps secret values out of what the steps print. The local backend
/// (<c>Backends.Local.LocalSetup</c>) and the renderer (<see cref="Manifests.WorkerContainer"/>) both use it.
/// </summary>
internal static class SetupSteps
{
    /// <summary>Every step runs with this shell, as <c>/bin/sh -c "&lt;step&gt;"</c>.</summary>
    public const string Shell = "/bin/sh";

    /// <summary>What a masked secret value reads as.</summary>
    public const string Mask = "***";

    /// <summary>
    /// The lowercase hex SHA-256 of the list, each step length-prefixed so that ["a b"] and ["a", "b"] differ: two
    /// services with the same steps share one cache entry, any change to a step or their order is a new one.
    /// </summary>
    public static string Hash(IReadOnlyList<string> steps)
    {
        var text = new StringBuilder();
        foreach (var step in steps)
        {
            text.Append(step.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(step).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>"step 2 of 3, `pip install vllm`": how a step is named in logs and errors.</summary>
    public static string Describe(IReadOnlyList<string> steps, int index) =>
        $"setup step {(index + 1).ToString(CultureInfo.InvariantCulture)} of {steps.Count.ToString(CultureInfo.InvariantCulture)}, `{steps[index]}`";

    /// <summary>
    /// The script a pod's worker container runs before it execs the worker (its command follows as "$@"): each step
    /// in order under <c>/bin/sh -c</c>, announced on stdout; the first that fails is named on stderr and ends the
    /// container with its exit code, which the launch diagnosis then quotes.
    /// </summary>
    public static string PodScript(IReadOnlyList<string> steps)
    {
        var script = new StringBuilder();
        for (var i = 0; i < steps.Count; i++)
        {
            var name = Quote(Describe(steps, i));
            script.Append("echo ").Append(Quote("hoist: running " + Describe(steps, i))).Append('\n');
            script.Append(Shell).Append(" -c ").Append(Quote(steps[i]))
                .Append(" || { code=$?; echo \"hoist: \"").Append(name).Append("\" failed with exit code $code\" >&2; exit $code; }\n");
        }

        return script.Append("exec \"$@\"\n").ToString();
    }

    /// <summary>The line with every non-empty secret value replaced by <see cref="Mask"/>, longest first so a value inside another goes too.</summary>
    public static string Redact(string line, IReadOnlyCollection<string> secretValues)
    {
        foreach (var value in secretValues)
        {
            if (value.Length > 0 && line.Contains(value, StringComparison.Ordinal))
            {
                line = line.Replace(value, Mask, StringComparison.Ordinal);
            }
        }

        return line;
    }

    /// <summary>The secret values, longest first, as <see cref="Redact"/> wants them.</summary>
    public static IReadOnlyCollection<string> MaskOrder(IEnumerable<string> values) =>
        values.Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToArray();

    // A POSIX shell single-quoted word: everything literal, each ' written as '\''.
    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

using System.Text;
using Xunit.Sdk;

namespace Hoist.Manifests.Tests;

/// <summary>
/// Compares text with a checked-in <c>Snapshots/&lt;name&gt;.verified.yaml</c>. Set UPDATE_SNAPSHOTS=1 to rewrite
/// the files instead; that never happens when CI=true, so CI only ever compares.
/// </summary>
internal static class SnapshotAssert
{
    public static void Matches(string name, string actual)
    {
        var path = Path.Combine(RepositoryPaths.Snapshots, name + ".verified.yaml");
        var expected = File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : null;
        if (expected == actual)
        {
            return;
        }

        if (UpdateRequested)
        {
            Directory.CreateDirectory(RepositoryPaths.Snapshots);
            File.WriteAllText(path, actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return;
        }

        var message = expected is null
            ? $"No snapshot at {path}. Run the tests with UPDATE_SNAPSHOTS=1 to create it, then review and commit it."
            : $"The rendered YAML differs from {path} (- snapshot, + rendered). If the change is intended, run the tests with UPDATE_SNAPSHOTS=1 and commit the file.\n{LineDiff(expected, actual)}";
        throw new XunitException(message);
    }

    private static bool UpdateRequested =>
        Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1" &&
        !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A unified-style diff of two texts, with three lines of context around each change.</summary>
    public static string LineDiff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');

        // Longest common subsequence table; snapshots are a few hundred lines, so O(n·m) is fine.
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<(char Tag, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', a[x++]));
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                lines.Add(('-', a[x++]));
            }
            else
            {
                lines.Add(('+', b[y++]));
            }
        }

        const int Context = 3;
        var output = new StringBuilder();
        var lastPrinted = -1;
        for (var k = 0; k < lines.Count; k++)
        {
            var nearChange = false;
            for (var d = Math.Max(0, k - Context); d <= Math.Min(lines.Count - 1, k + Context) && !nearChange; d++)
            {
                nearChange = lines[d].Tag != ' ';
            }

            if (!nearChange)
            {
                continue;
            }

            if (lastPrinted >= 0 && k > lastPrinted + 1)
            {
                output.AppendLine("...");
            }

            output.Append(lines[k].Tag).Append(' ').AppendLine(lines[k].Text);
            lastPrinted = k;
        }

        return output.ToString();
    }
}

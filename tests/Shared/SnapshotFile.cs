using System.Text;

namespace Hoist.Testing;

/// <summary>
/// One checked-in snapshot: compared with what a test produced, rewritten only when UPDATE_SNAPSHOTS=1 and
/// never when CI=true. A mismatch leaves a <c>.received</c> file beside the verified one and reads as a
/// line diff. Shared, by source link, by the test projects that keep snapshots.
/// </summary>
internal static class SnapshotFile
{
    public static bool UpdateRequested =>
        Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1" &&
        !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when <paramref name="actual"/> matches (or was accepted); otherwise why it failed.</summary>
    public static string? Check(string verifiedPath, string actual)
    {
        actual = actual.Replace("\r\n", "\n");
        var receivedPath = ReceivedPath(verifiedPath);
        var verified = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath, Encoding.UTF8).Replace("\r\n", "\n") : null;
        if (verified == actual || UpdateRequested)
        {
            if (verified != actual)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(verifiedPath)!);
                File.WriteAllText(verifiedPath, actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }

            File.Delete(receivedPath);
            return null;
        }

        File.WriteAllText(receivedPath, actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return verified is null
            ? $"No snapshot {verifiedPath}; wrote {receivedPath}. Run the tests with UPDATE_SNAPSHOTS=1 to accept it, then review and commit it."
            : $"{verifiedPath} differs (- snapshot, + actual; received: {receivedPath}). If the change is intended, run the tests with UPDATE_SNAPSHOTS=1 and commit the file.\n{Diff(verified, actual)}";
    }

    /// <summary>A line diff ("-" expected, "+" actual) from the longest common subsequence, with 3 lines of context.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');

        // Snapshots are a few hundred lines, so an O(n·m) table is fine.
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<(char Tag, int Line, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', x + 1, a[x++]));
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                lines.Add(('-', x + 1, a[x++]));
            }
            else
            {
                lines.Add(('+', y + 1, b[y++]));
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

            output.Append(lines[k].Tag).Append(' ').Append(lines[k].Line.ToString().PadLeft(4)).Append(": ").AppendLine(lines[k].Text);
            lastPrinted = k;
        }

        return output.ToString();
    }

    private static string ReceivedPath(string verifiedPath) => verifiedPath.Replace(".verified.", ".received.", StringComparison.Ordinal);
}

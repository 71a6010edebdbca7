using System.Runtime.CompilerServices;
using System.Text;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>
/// Compares generated sources with checked-in <c>Snapshots/&lt;Test&gt;.&lt;hint&gt;.verified.cs</c> files. A
/// mismatch fails with a diff and writes a <c>.received.cs</c> beside the verified file. With
/// UPDATE_SNAPSHOTS=1 (never when CI=true) the verified files are rewritten instead.
/// </summary>
internal static class SnapshotAssert
{
    public static void Matches(GeneratorRun run, [CallerMemberName] string testName = "", [CallerFilePath] string callerFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        Directory.CreateDirectory(directory);
        var update = Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1" &&
                     !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

        var failures = new List<string>();
        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in run.Sources)
        {
            var baseName = $"{testName}.{Path.GetFileNameWithoutExtension(source.HintName)}";
            var verifiedPath = Path.Combine(directory, baseName + ".verified.cs");
            var receivedPath = Path.Combine(directory, baseName + ".received.cs");
            expectedFiles.Add(Path.GetFileName(verifiedPath));

            var actual = Normalize(source.SourceText.ToString());
            var verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
            if (verified == actual)
            {
                File.Delete(receivedPath);
                continue;
            }

            if (update)
            {
                File.WriteAllText(verifiedPath, actual);
                File.Delete(receivedPath);
                continue;
            }

            File.WriteAllText(receivedPath, actual);
            failures.Add(verified is null
                ? $"No snapshot {verifiedPath}; wrote {receivedPath}. Run with UPDATE_SNAPSHOTS=1 to accept it."
                : $"{verifiedPath} differs (received: {receivedPath}):\n{Diff(verified, actual)}");
        }

        foreach (var stale in Directory.GetFiles(directory, testName + ".*.verified.cs").Select(Path.GetFileName))
        {
            if (!expectedFiles.Contains(stale!))
            {
                if (update)
                {
                    File.Delete(Path.Combine(directory, stale!));
                }
                else
                {
                    failures.Add($"Snapshot {stale} has no generated source any more.");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>A line diff ("-" expected, "+" actual) from the longest common subsequence, with 2 lines of context.</summary>
    internal static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<(char Kind, int Line, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', x + 1, a[x]));
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                lines.Add(('-', x + 1, a[x]));
                x++;
            }
            else
            {
                lines.Add(('+', y + 1, b[y]));
                y++;
            }
        }

        var output = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            var near = Enumerable.Range(Math.Max(0, i - 2), Math.Min(lines.Count, i + 3) - Math.Max(0, i - 2)).Any(k => lines[k].Kind != ' ');
            if (near)
            {
                output.Append(lines[i].Kind).Append(' ').Append(lines[i].Line.ToString().PadLeft(4)).Append(": ").AppendLine(lines[i].Text);
            }
        }

        return output.ToString();
    }
}

using System.Runtime.CompilerServices;
using Hoist.Testing;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>
/// Compares generated sources with checked-in <c>Snapshots/&lt;Test&gt;.&lt;hint&gt;.verified.cs</c> files,
/// one per generated file; a snapshot whose source is no longer generated fails too.
/// </summary>
internal static class SnapshotAssert
{
    public static void Matches(GeneratorRun run, [CallerMemberName] string testName = "", [CallerFilePath] string callerFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        var failures = new List<string>();
        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in run.Sources)
        {
            var verifiedPath = Path.Combine(directory, $"{testName}.{Path.GetFileNameWithoutExtension(source.HintName)}.verified.cs");
            expectedFiles.Add(Path.GetFileName(verifiedPath));
            if (SnapshotFile.Check(verifiedPath, source.SourceText.ToString()) is { } failure)
            {
                failures.Add(failure);
            }
        }

        var snapshots = Directory.Exists(directory) ? Directory.GetFiles(directory, testName + ".*.verified.cs") : [];
        foreach (var stale in snapshots.Where(path => !expectedFiles.Contains(Path.GetFileName(path))))
        {
            if (SnapshotFile.UpdateRequested)
            {
                File.Delete(stale);
            }
            else
            {
                failures.Add($"Snapshot {Path.GetFileName(stale)} has no generated source any more.");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }
}

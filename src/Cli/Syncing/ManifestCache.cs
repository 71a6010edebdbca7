using System.Collections.Concurrent;
using System.Security.Cryptography;
using Hoist.CodeSync;

namespace Hoist.Cli.Syncing;

/// <summary>
/// <see cref="AppManifest.Scan"/> for a process that syncs the same folder again and again (<c>hoist dev</c>): a
/// file whose length and write time are what they were keeps its hash, so a save that rewrote one assembly
/// hashes that one, not the whole output folder. A file is trusted by its stamp only when it was already older than
/// <see cref="Settled"/> when hashed, so a rewrite within a coarse timestamp's resolution is never missed.
/// </summary>
internal static class ManifestCache
{
    private static readonly TimeSpan Settled = TimeSpan.FromSeconds(2);
    private static readonly ConcurrentDictionary<string, (long Length, DateTime Written, bool Trusted, string Sha256)> s_hashes = new(StringComparer.Ordinal);

    public static AppManifest Scan(string folder)
    {
        var root = Path.GetFullPath(folder);
        var files = new List<AppFile>();
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(path);
            var relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (!s_hashes.TryGetValue(path, out var known) || !known.Trusted || known.Length != info.Length || known.Written != info.LastWriteTimeUtc)
            {
                var trusted = DateTime.UtcNow - info.LastWriteTimeUtc > Settled;
                using var stream = File.OpenRead(path);
                known = (stream.Length, info.LastWriteTimeUtc, trusted, Convert.ToHexStringLower(SHA256.HashData(stream)));
                s_hashes[path] = known;
            }

            files.Add(new AppFile(relative, known.Sha256, known.Length));
        }

        return new AppManifest(files);
    }
}

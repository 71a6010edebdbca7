using System.Security.Cryptography;
using System.Text;

namespace Hoist.CodeSync;

/// <summary>One file of an app's build output: its path relative to the app folder, and its content hash.</summary>
internal sealed record AppFile(string Path, string Sha256, long Length);

/// <summary>
/// What an app's build output is, by content: every file under the app folder with its SHA-256, and one
/// digest over them all. Caller and worker each describe their code this way, so a sync sends only the
/// files whose content the worker lacks, and "same code" means "same digest".
/// </summary>
internal sealed class AppManifest
{
    private readonly Dictionary<string, AppFile> _byPath;
    private readonly Dictionary<string, AppFile> _byHash;

    public AppManifest(IEnumerable<AppFile> files)
    {
        Files = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        _byPath = Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        _byHash = new Dictionary<string, AppFile>(StringComparer.Ordinal);
        foreach (var file in Files)
        {
            _byHash.TryAdd(file.Sha256, file);
        }

        Digest = ComputeDigest(Files);
    }

    public IReadOnlyList<AppFile> Files { get; }

    /// <summary>SHA-256 over the sorted (path, hash) pairs: equal digests mean byte-identical app folders.</summary>
    public string Digest { get; }

    public bool TryGetByPath(string path, out AppFile file) => _byPath.TryGetValue(path, out file!);

    /// <summary>A file with this content, under whatever path: a sync copies it instead of receiving it again.</summary>
    public bool TryGetByHash(string sha256, out AppFile file) => _byHash.TryGetValue(sha256, out file!);

    /// <summary>The files of <paramref name="wanted"/> whose content this manifest does not have, once per content.</summary>
    public IReadOnlyList<AppFile> Missing(AppManifest wanted) =>
        wanted.Files.Where(f => !_byHash.ContainsKey(f.Sha256)).DistinctBy(f => f.Sha256).ToArray();

    /// <summary>Reads and hashes every file under <paramref name="folder"/>.</summary>
    public static AppManifest Scan(string folder)
    {
        var root = System.IO.Path.GetFullPath(folder);
        var files = new List<AppFile>();
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            using var stream = File.OpenRead(path);
            var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            files.Add(new AppFile(ToManifestPath(System.IO.Path.GetRelativePath(root, path)), hash, stream.Length));
        }

        return new AppManifest(files);
    }

    /// <summary>
    /// True for a path a sync may write: relative, '/'-separated, and inside the app folder — no rooted path,
    /// no '..' segment, no empty or '.' segment, no backslash or NUL. Anything else is refused, not normalized.
    /// </summary>
    public static bool IsSafeRelativePath(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > 1024 || path.Contains('\\') || path.Contains('\0') || path.StartsWith('/') || System.IO.Path.IsPathRooted(path))
        {
            return false;
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True for a lowercase hex SHA-256, the only content key a sync accepts.</summary>
    public static bool IsSha256(string value) =>
        value.Length == 64 && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static string ToManifestPath(string relative) => relative.Replace(System.IO.Path.DirectorySeparatorChar, '/');

    private static string ComputeDigest(IReadOnlyList<AppFile> files)
    {
        var text = new StringBuilder();
        foreach (var file in files)
        {
            text.Append(file.Path).Append('\0').Append(file.Sha256).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

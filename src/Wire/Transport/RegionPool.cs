namespace Hoist.Transport;

/// <summary>
/// Region files that a call finished with, kept for the next call for a moment, pages and all: rewriting a file whose
/// pages are already there costs the copy alone, where a new file pays a page fault (allocated, charged, zeroed) per
/// 4 KiB as well, which for a 64 MiB tensor cost more than the copy (the transport benchmark prints both). A kept file
/// is never cut to a shorter region (its length is the region's capacity; readers go by the region's own length), so a
/// call of the same size as the last finds its pages all there. Only a call that got its answer gives its files back,
/// since only then is the worker done with them; any other end removes them at once. Kept files are bounded by
/// <see cref="MaxKept"/> files and <see cref="MaxKeptBytes"/> bytes (at most half of the folder's file system), and
/// removed after <see cref="IdleTime"/> unused, when the backend stops, when a region needs their space
/// (<see cref="Drop"/>), or, if this process dies, by the next caller's sweep (they carry this process's pid).
/// </summary>
internal static class RegionPool
{
    public static readonly TimeSpan IdleTime = TimeSpan.FromSeconds(2);

    /// <summary>The most bytes kept at once, in every folder together: two 256 MiB tensors each way, with room to spare.</summary>
    public const long MaxKeptBytes = 1024L * 1024 * 1024;

    private const int MaxKept = 16;
    private static readonly List<Kept> s_kept = [];
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<string, long> s_folderLimits = [];
    private static Timer? s_trimmer;

    /// <summary>How many files are kept now.</summary>
    public static int Count
    {
        get
        {
            lock (s_gate)
            {
                return s_kept.Count;
            }
        }
    }

    /// <summary>How many bytes the kept files hold now.</summary>
    public static long Bytes
    {
        get
        {
            lock (s_gate)
            {
                return s_kept.Sum(k => k.Length);
            }
        }
    }

    /// <summary>
    /// A kept file of <paramref name="folder"/>, or null when there is none: the smallest that holds
    /// <paramref name="wanted"/> bytes without growing, else the largest (fewest new pages).
    /// </summary>
    public static string? TryRent(string folder, long wanted = 0)
    {
        lock (s_gate)
        {
            var best = -1;
            for (var i = 0; i < s_kept.Count; i++)
            {
                if (s_kept[i].Folder != folder)
                {
                    continue;
                }

                if (best < 0 || Better(s_kept[i].Length, s_kept[best].Length, wanted))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                return null;
            }

            var name = s_kept[best].Name;
            s_kept.RemoveAt(best);
            return name;
        }

        static bool Better(long candidate, long current, long wanted) =>
            candidate >= wanted ? current < wanted || candidate < current : current < wanted && candidate > current;
    }

    /// <summary>
    /// Keeps a file the worker is done with, unless keeping it would pass the limits; then the longest-idle files give
    /// way first, and a file larger than the limit itself is removed.
    /// </summary>
    public static void Return(string folder, string name)
    {
        // A file that is gone (removed by hand, say) is not kept: a result offer of its name would fail the next call.
        var facts = UnixFiles.LStat(Path.Combine(folder, name));
        var length = facts.Length;
        var limit = LimitFor(folder);
        List<Kept>? evicted = null;
        var kept = false;
        if (facts.IsRegularFile && length <= limit)
        {
            lock (s_gate)
            {
                var bytes = s_kept.Sum(k => k.Length);
                while (s_kept.Count > 0 && (s_kept.Count >= MaxKept || bytes + length > limit))
                {
                    (evicted ??= []).Add(s_kept[0]);
                    bytes -= s_kept[0].Length;
                    s_kept.RemoveAt(0);
                }

                s_kept.Add(new Kept(folder, name, length, Environment.TickCount64));
                s_trimmer ??= new Timer(_ => Trim(IdleTime), null, IdleTime, IdleTime);
                kept = true;
            }
        }

        foreach (var old in evicted ?? [])
        {
            SharedRegions.Delete(old.Folder, old.Name);
        }

        if (!kept)
        {
            SharedRegions.Delete(folder, name);
        }
    }

    /// <summary>Removes every kept file of <paramref name="folder"/>, for the space they hold; returns how many there were.</summary>
    public static int Drop(string folder)
    {
        Kept[] dropped;
        lock (s_gate)
        {
            dropped = s_kept.Where(k => k.Folder == folder).ToArray();
            s_kept.RemoveAll(k => k.Folder == folder);
        }

        foreach (var kept in dropped)
        {
            SharedRegions.Delete(kept.Folder, kept.Name);
        }

        return dropped.Length;
    }

    /// <summary>Removes every kept file idle for at least <paramref name="idle"/>; <see cref="TimeSpan.Zero"/> removes them all.</summary>
    public static void Trim(TimeSpan idle)
    {
        Kept[] expired;
        lock (s_gate)
        {
            var now = Environment.TickCount64;
            expired = s_kept.Where(k => now - k.ReturnedAt >= (long)idle.TotalMilliseconds).ToArray();
            s_kept.RemoveAll(k => expired.Contains(k));
        }

        foreach (var kept in expired)
        {
            SharedRegions.Delete(kept.Folder, kept.Name);
        }
    }

    /// <summary>
    /// <see cref="MaxKeptBytes"/>, or half of the file system that holds <paramref name="folder"/> when that is less:
    /// a cache must not take the room a container's small /dev/shm has for the calls themselves. Read once per folder.
    /// </summary>
    private static long LimitFor(string folder)
    {
        lock (s_gate)
        {
            if (s_folderLimits.TryGetValue(folder, out var known))
            {
                return known;
            }
        }

        long limit;
        try
        {
            limit = Math.Min(MaxKeptBytes, new DriveInfo(folder).TotalSize / 2);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            limit = 0;
        }

        lock (s_gate)
        {
            s_folderLimits[folder] = limit;
        }

        return limit;
    }

    private sealed record Kept(string Folder, string Name, long Length, long ReturnedAt);
}

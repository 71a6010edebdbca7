namespace Hoist.Transport;

/// <summary>
/// Region files that a call finished with, kept for the next call for a moment: rewriting a file whose pages
/// are already there costs about half of making, filling and removing a new one (the transport benchmark
/// prints both). Only a call that got its answer gives its files back, since only then is the worker done
/// with them; any other end removes them at once. Kept files are removed after <see cref="IdleTime"/>, when
/// the backend stops, or, if this process dies, by the next caller's sweep (they carry this process's pid).
/// </summary>
internal static class RegionPool
{
    public static readonly TimeSpan IdleTime = TimeSpan.FromSeconds(2);

    private const int MaxKept = 16;
    private const long MaxKeptBytes = 64L * 1024 * 1024;
    private static readonly List<Kept> s_kept = [];
    private static readonly Lock s_gate = new();
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

    /// <summary>A kept file of <paramref name="folder"/>, or null when there is none.</summary>
    public static string? TryRent(string folder)
    {
        lock (s_gate)
        {
            for (var i = s_kept.Count - 1; i >= 0; i--)
            {
                if (s_kept[i].Folder == folder)
                {
                    var name = s_kept[i].Name;
                    s_kept.RemoveAt(i);
                    return name;
                }
            }
        }

        return null;
    }

    /// <summary>Keeps a file the worker is done with, unless enough are kept or it is too large to hold on to.</summary>
    public static void Return(string folder, string name, long length)
    {
        if (length <= MaxKeptBytes)
        {
            lock (s_gate)
            {
                if (s_kept.Count < MaxKept)
                {
                    s_kept.Add(new Kept(folder, name, Environment.TickCount64));
                    s_trimmer ??= new Timer(_ => Trim(IdleTime), null, IdleTime, IdleTime);
                    return;
                }
            }
        }

        SharedRegions.Delete(folder, name);
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

    private sealed record Kept(string Folder, string Name, long ReturnedAt);
}

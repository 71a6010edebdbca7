using System.Diagnostics;

namespace Hoist.Cli.Compiling;

/// <summary>
/// The files saves touch under a project folder (bin/, obj/ and dot-folders left out), handed out one save at a
/// time: a burst of events (an editor's truncate and write, a formatter, several files saved at once) becomes one
/// batch once the folder has been quiet for <see cref="Quiet"/>. Events during a compile go into the next batch,
/// and the compile itself skips files whose text did not change, so one save is one compile.
/// </summary>
internal sealed class SaveWatcher : IDisposable
{
    /// <summary>Long enough to join the writes of one save, short beside a compile.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(60);

    /// <summary>A save that never goes quiet (a generator writing in a loop) is still taken, after this long.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(2);

    private readonly FileSystemWatcher _watcher;
    private readonly string _root;
    private readonly Lock _gate = new();
    private HashSet<string> _touched = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastChange;

    public SaveWatcher(string root)
    {
        _root = Path.GetFullPath(root);
        _watcher = new FileSystemWatcher(_root) { IncludeSubdirectories = true, InternalBufferSize = 64 * 1024 };
        _watcher.Changed += OnChange;
        _watcher.Created += OnChange;
        _watcher.Deleted += OnChange;
        _watcher.Renamed += OnRename;
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Waits for a change, then for the quiet after it, and returns every path touched (full paths).</summary>
    public async Task<IReadOnlyCollection<string>> NextAsync(CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            changed = _changed.Task;
        }

        await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        var first = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastChange)) < Quiet && Stopwatch.GetElapsedTime(first) < Longest)
        {
            await Task.Delay(Quiet / 4, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            var touched = _touched;
            _touched = new HashSet<string>(StringComparer.Ordinal);
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return touched;
        }
    }

    public void Dispose() => _watcher.Dispose();

    private void OnRename(object sender, RenamedEventArgs e)
    {
        Add(e.OldFullPath);
        Add(e.FullPath);
    }

    private void OnChange(object sender, FileSystemEventArgs e) => Add(e.FullPath);

    private void Add(string path)
    {
        var relative = Path.GetRelativePath(_root, path).Replace('\\', '/');
        var first = relative.Split('/')[0];
        if (first is "bin" or "obj" || first.StartsWith('.') || Directory.Exists(path))
        {
            return;
        }

        lock (_gate)
        {
            _touched.Add(Path.GetFullPath(path));
            Interlocked.Exchange(ref _lastChange, Stopwatch.GetTimestamp());
            _changed.TrySetResult();
        }
    }
}

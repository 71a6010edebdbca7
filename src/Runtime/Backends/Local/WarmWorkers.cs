using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hoist.Client;
using Hoist.CodeSync;
using Hoist.Transport;

namespace Hoist.Backends.Local;

/// <summary>One process of a warm group, and how to make sure a live process with that id is still it.</summary>
internal sealed record WarmWorkerRecord(int Rank, string Replica, int ProcessId, long StartedUnixMs, string? SocketPath, int Port);

/// <summary>
/// What the next run of an app needs to reattach to a warm replica or distributed group: where its processes
/// listen, the token they accept, and what they were launched with (<see cref="Launch"/>, hashed: a run whose
/// launch differs starts fresh workers instead). It holds the token, so it lives only in the user's private folder.
/// </summary>
internal sealed record WarmGroupRecord(
    string AppFolder,
    string Service,
    string Group,
    string Token,
    bool Frozen,
    string CodeFolder,
    string? SharedMemoryFolder,
    IReadOnlyList<WarmWorkerRecord> Workers,
    LaunchFingerprint? Launch = null,
    string? App = null)
{
    /// <summary>
    /// The app's name as <c>hoist status --local</c> shows it: its assembly's, or for a record written before Hoist kept
    /// it, the build folder's project (<c>MyApp</c> from <c>MyApp/bin/Debug/net10.0</c>).
    /// </summary>
    public string AppName => App ?? ProjectName(AppFolder);

    private static string ProjectName(string appFolder)
    {
        var parts = Path.TrimEndingDirectorySeparator(appFolder).Split(Path.DirectorySeparatorChar);
        var bin = Array.LastIndexOf(parts, "bin");
        return bin > 0 ? parts[bin - 1] : parts[^1];
    }
}

/// <summary>
/// A run's hold on a warm group: an exclusive lock on its record, so two runs never drive the same workers.
/// Disposing releases it and leaves the workers warm; <see cref="Forget"/> also removes the record, once the
/// workers are gone.
/// </summary>
internal sealed class WarmClaim(WarmGroupRecord record, string recordPath, FileStream lockFile) : IDisposable
{
    public WarmGroupRecord Record { get; private set; } = record;

    public void Update(WarmGroupRecord record)
    {
        Record = record;
        WarmWorkers.Write(recordPath, record);
    }

    public void Forget()
    {
        WarmWorkers.TryDelete(recordPath);
        Dispose();
        WarmWorkers.TryDelete(recordPath + ".lock");
    }

    public void Dispose() => lockFile.Dispose();
}

/// <summary>
/// The per-user registry of warm local workers (Hoist:Local:KeepWarm): a folder only its owner can enter, with
/// one record per warm group under <c>&lt;app key&gt;/groups/&lt;service&gt;/</c>, and the copies of the builds the
/// workers started from. Workers never run from the app's bin folder, which the next build overwrites.
/// </summary>
internal sealed class WarmWorkers
{
    private static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(2);

    public WarmWorkers(string appFolder, string? root = null)
    {
        AppFolder = Path.GetFullPath(appFolder);
        Root = root ?? DefaultRoot();
        AppKey = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AppFolder)))[..16];
    }

    /// <summary>Where the records live: <c>warm/</c> in the private folder that holds the workers' sockets.</summary>
    public static string DefaultRoot() => Path.Combine(Transport.PrivateFolder.SocketFolder(), "warm");

    public string Root { get; }

    /// <summary>The app's build output folder; a rebuild of the same project lands in the same one.</summary>
    public string AppFolder { get; }

    /// <summary>The app's identity in the registry: a hash of its folder.</summary>
    public string AppKey { get; }

    private string AppRoot => Path.Combine(Root, AppKey);

    /// <summary>
    /// Claims a live warm group of <paramref name="service"/> that no other run holds. Records whose processes
    /// are gone (or whose ids now belong to other processes) are removed on the way, and what is left of a
    /// group with a dead rank is stopped: a group is all or nothing.
    /// </summary>
    public WarmClaim? TryClaim(string service)
    {
        var folder = Path.Combine(AppRoot, "groups", service);
        if (!IsPrivateBelowRoot(folder))
        {
            return null;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            if (TryLock(path) is not { } lockFile)
            {
                continue;
            }

            var record = Read(path);
            if (record is not null && record.Workers.All(IsAlive))
            {
                return new WarmClaim(record, path, lockFile);
            }

            if (record is not null)
            {
                KillSurvivors(record);
            }

            lockFile.Dispose();
            TryDelete(path);
            TryDelete(path + ".lock");
        }

        return null;
    }

    /// <summary>Records a group this run has just started warm, and holds it.</summary>
    public WarmClaim Register(WarmGroupRecord record)
    {
        var folder = EnsurePrivate(Path.Combine(AppRoot, "groups", record.Service));
        var path = Path.Combine(folder, $"{record.Group}.json");
        var lockFile = TryLock(path) ?? throw new InvalidOperationException($"The warm record {path} is held by another run.");
        Write(path, record);
        return new WarmClaim(record, path, lockFile);
    }

    /// <summary>
    /// The folder warm workers of this build start from: a private copy of the app folder, made once per build
    /// (by content digest) and shared by every replica of that build.
    /// </summary>
    public string CodeFolderFor(AppManifest manifest)
    {
        var codeRoot = EnsurePrivate(Path.Combine(AppRoot, "code"));
        var folder = Path.Combine(codeRoot, manifest.Digest[..16]);
        if (Transport.UnixFiles.LStat(folder) is { Exists: true } existing)
        {
            // Only a copy this user made is run: the folders above are private, so anything else is a plant.
            return Transport.PrivateFolder.Refusal(folder, existing, Transport.UnixFiles.EffectiveUserId) is { } refusal
                ? throw new Transport.PrivateFolderException(refusal)
                : folder;
        }

        var staging = Transport.PrivateFolder.Ensure($"{folder}.{Transport.PrivateFolder.OwnedName("tmp")}");
        foreach (var file in manifest.Files)
        {
            var target = Path.Combine(staging, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(AppFolder, file.Path), target);
        }

        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            // Another run copied the same build first.
            Transport.PrivateFolder.TryDeleteTree(staging);
        }

        return folder;
    }

    /// <summary>Where this app's warm workers put their Unix sockets: out of reach of the sweep of dead callers' files.</summary>
    public string SocketFolder() => EnsurePrivate(Path.Combine(AppRoot, "sockets"));

    /// <summary>Removes the build copies of this app that no live record runs from.</summary>
    public void PruneCodeFolders()
    {
        var codeRoot = Path.Combine(AppRoot, "code");
        if (!IsPrivateBelowRoot(codeRoot))
        {
            return;
        }

        var inUse = RecordFiles(AppRoot)
            .Select(Read)
            .Where(r => r is not null && r.Workers.Any(IsAlive))
            .Select(r => Path.GetFullPath(r!.CodeFolder))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(codeRoot))
        {
            if (!inUse.Contains(Path.GetFullPath(folder)) && !folder.EndsWith(".tmp", StringComparison.Ordinal))
            {
                Transport.PrivateFolder.TryDeleteTree(folder);
            }
        }
    }

    /// <summary>
    /// The warm groups of every app under <paramref name="root"/> whose processes are all alive, in app and service
    /// order, for <c>hoist status --local</c>. A place that is not this user's own is not read.
    /// </summary>
    public static IReadOnlyList<WarmGroupRecord> ListAll(string root) =>
        !Transport.PrivateFolder.IsPrivate(root)
            ? []
            : Directory.EnumerateDirectories(root)
                .Where(Transport.PrivateFolder.IsPrivate)
                .SelectMany(RecordFiles)
                .Select(Read)
                .OfType<WarmGroupRecord>()
                .Where(r => r.Workers.All(IsAlive))
                .OrderBy(r => r.AppFolder, StringComparer.Ordinal)
                .ThenBy(r => r.Service, StringComparer.Ordinal)
                .ThenBy(r => r.Group, StringComparer.Ordinal)
                .ToArray();

    /// <summary>
    /// Stops the warm workers of every app under <paramref name="root"/>, or of the apps <paramref name="app"/> picks
    /// (SIGTERM, then a kill after <paramref name="grace"/>), and removes their records and build copies. An app is
    /// stopped whole: when one of its groups is picked, all of its groups go. Returns the groups stopped.
    /// </summary>
    public static async Task<IReadOnlyList<WarmGroupRecord>> StopAllAsync(string root, TimeSpan grace, Func<WarmGroupRecord, bool>? app = null)
    {
        // Records in a place that is not this user's own are not read, and nothing in it is deleted.
        if (!Transport.PrivateFolder.IsPrivate(root))
        {
            return [];
        }

        var apps = Directory.EnumerateDirectories(root)
            .Select(folder => (Folder: folder, Records: RecordFiles(folder).Select(Read).OfType<WarmGroupRecord>().ToArray()))
            .Where(a => app is null || a.Records.Any(app))
            .ToArray();
        var records = apps.SelectMany(a => a.Records).ToArray();
        await Task.WhenAll(records.Select(r => StopAsync(r, grace))).ConfigureAwait(false);
        if (app is null)
        {
            Transport.PrivateFolder.TryDeleteTree(root);
        }
        else
        {
            foreach (var (folder, _) in apps)
            {
                Transport.PrivateFolder.TryDeleteTree(folder);
            }
        }

        return records;
    }

    /// <summary>Stops one warm group's processes: SIGTERM, so calls in flight finish, then a kill after <paramref name="grace"/>.</summary>
    public static async Task StopAsync(WarmGroupRecord record, TimeSpan grace)
    {
        var live = record.Workers.Select(Find).OfType<Process>().ToArray();
        foreach (var process in live)
        {
            Signals.Terminate(process.Id);
        }

        await Task.WhenAll(live.Select(p => WaitOrKillAsync(p, grace))).ConfigureAwait(false);
    }

    /// <summary>
    /// The app's warm groups whose processes are all alive, whether or not a run holds them: a sync needs no claim,
    /// since a worker loads one sync at a time, and <c>hoist dev</c> syncs the workers of an app that is running.
    /// </summary>
    public IReadOnlyList<WarmGroupRecord> LiveGroups() =>
        !IsPrivateBelowRoot(AppRoot) ? [] : RecordFiles(AppRoot).Select(Read).OfType<WarmGroupRecord>().Where(r => r.Workers.All(IsAlive)).ToArray();

    /// <summary>Endpoints for a warm group's processes, with the token and shared-memory folder it was started with.</summary>
    public static WorkerEndpoint[] Endpoints(WarmGroupRecord record, int sharedMemoryThreshold) =>
        record.Workers.OrderBy(w => w.Rank).Select(worker => new WorkerEndpoint(
            record.Service,
            worker.Replica,
            worker.Rank,
            new Uri($"http://127.0.0.1:{worker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}"),
            record.Token,
            worker.SocketPath)
        {
            SharedMemoryFolder = worker.SocketPath is null ? null : record.SharedMemoryFolder,
            SharedMemoryThreshold = sharedMemoryThreshold,
        }).ToArray();

    /// <summary>
    /// The live process a record names, only if it is still that one (its start time), this user's own, and a Hoist
    /// worker: a record can never make this run signal any other process.
    /// </summary>
    public static Process? Find(WarmWorkerRecord worker)
    {
        if (!Signals.IsOwnWorker(worker.ProcessId))
        {
            return null;
        }

        try
        {
            var process = Process.GetProcessById(worker.ProcessId);
            if (!process.HasExited && Math.Abs(StartedUnixMs(process) - worker.StartedUnixMs) <= StartTimeTolerance.TotalMilliseconds)
            {
                return process;
            }

            process.Dispose();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        return null;
    }

    public static long StartedUnixMs(Process process) => new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();

    internal static void Write(string path, WarmGroupRecord record)
    {
        // The record holds the workers' token: a new file (O_EXCL, never through a symlink) readable by its owner alone.
        var staging = path + "." + Transport.PrivateFolder.OwnedName("tmp");
        using (var stream = new FileStream(Transport.UnixFiles.CreateNew(staging), FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, record, WarmJsonContext.Default.WarmGroupRecord);
        }

        File.Move(staging, path, overwrite: true);
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static bool IsAlive(WarmWorkerRecord worker)
    {
        using var process = Find(worker);
        return process is not null;
    }

    private static void KillSurvivors(WarmGroupRecord record)
    {
        foreach (var worker in record.Workers)
        {
            using var process = Find(worker);
            try
            {
                process?.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private static async Task WaitOrKillAsync(Process process, TimeSpan grace)
    {
        using (process)
        {
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
    }

    /// <summary>Creates <paramref name="folder"/> and each folder between it and the root, all private (see <see cref="Transport.PrivateFolder.Ensure"/>).</summary>
    private string EnsurePrivate(string folder)
    {
        var chain = new Stack<string>();
        for (var current = Path.GetFullPath(folder); current.Length >= Root.Length; current = Path.GetDirectoryName(current)!)
        {
            chain.Push(current);
        }

        while (chain.TryPop(out var next))
        {
            Transport.PrivateFolder.Ensure(next);
        }

        return folder;
    }

    /// <summary>True when <paramref name="folder"/> and each folder from the root down to it are private: only then is what is in them read.</summary>
    private bool IsPrivateBelowRoot(string folder)
    {
        for (var current = Path.GetFullPath(folder); current.Length >= Root.Length; current = Path.GetDirectoryName(current)!)
        {
            if (!Transport.PrivateFolder.IsPrivate(current))
            {
                return false;
            }
        }

        return true;
    }

    private static FileStream? TryLock(string recordPath)
    {
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix: held until this run closes it or dies.
            return new FileStream(recordPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>An app's records: <c>groups/&lt;service&gt;/&lt;group&gt;.json</c> (its build copies hold .json files too).</summary>
    private static IEnumerable<string> RecordFiles(string appRoot)
    {
        var groups = Path.Combine(appRoot, "groups");
        return Directory.Exists(groups) ? Directory.EnumerateFiles(groups, "*.json", SearchOption.AllDirectories) : [];
    }

    private static WarmGroupRecord? Read(string path)
    {
        try
        {
            // Only a record this user wrote: never through a symlink, never one another user owns.
            using var stream = new FileStream(Transport.UnixFiles.OpenOwned(path, FileAccess.Read, out _), FileAccess.Read);
            var record = JsonSerializer.Deserialize(stream, WarmJsonContext.Default.WarmGroupRecord);
            return record is { Workers: not null, Token: not null, Service: not null } ? record : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(WarmGroupRecord))]
internal sealed partial class WarmJsonContext : JsonSerializerContext;

using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Runtime.Loader;
using Hoist.CodeSync;
using Hoist.Dispatch;

namespace Hoist.Worker;

/// <summary>
/// One version of a worker's code: the folder it was loaded from, the dispatcher built from it, and how many
/// calls run on it. Generation 0 is the code the process started with; each committed sync adds one.
/// </summary>
internal sealed class CodeGeneration(int number, string folder, ServiceDispatcher dispatcher, AssemblyLoadContext? context, AppManifest? manifest)
{
    private readonly Lazy<AppManifest> _manifest = new(() => manifest ?? AppManifest.Scan(folder));
    private string? _contractDigest;
    private int _inFlight;
    private long _callsStarted;

    public int Number { get; } = number;

    public string Folder { get; } = folder;

    public ServiceDispatcher Dispatcher { get; } = dispatcher;

    /// <summary>This code's wire contract of each method, by method id: what a call's fingerprint must match.</summary>
    public FrozenDictionary<string, WireContract> WireContracts { get; } =
        dispatcher.WireContracts.ToFrozenDictionary(static c => c.Method, StringComparer.Ordinal);

    /// <summary>
    /// <see cref="WireContract.Digest"/> of this code's methods, which <c>GetLoad</c> reports; computed on first use, since
    /// SHA-256 loads OpenSSL (libcrypto, about 5 MiB resident) into a worker that may never be asked.
    /// </summary>
    public string ContractDigest => _contractDigest ??= WireContract.Digest(Dispatcher.WireContracts);

    /// <summary>The collectible context the code was loaded into; null for generation 0, which lives in the default one.</summary>
    public AssemblyLoadContext? Context { get; } = context;

    /// <summary>Scanned on first use for generation 0, which was not sent to the worker.</summary>
    public AppManifest Manifest => _manifest.Value;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Calls that started on this generation; kept beside <see cref="InFlight"/>, whose cache line each call writes anyway.</summary>
    public long CallsStarted => Interlocked.Read(ref _callsStarted);

    internal void Enter() => Interlocked.Increment(ref _inFlight);

    internal void Started() => Interlocked.Increment(ref _callsStarted);

    /// <summary>True when this was the generation's last call in flight.</summary>
    internal bool Exit() => Interlocked.Decrement(ref _inFlight) == 0;
}

/// <summary>A worker's load at one moment: what <c>GetLoad</c> reports.</summary>
internal readonly record struct CodeLoad(int InFlight, long CallsStarted, DateTimeOffset IdleSince);

/// <summary>A call's hold on the generation it started on, so a sync never disposes code under a running call.</summary>
internal readonly struct CodeLease(ServiceCode owner, CodeGeneration generation) : IDisposable
{
    public ServiceDispatcher Dispatcher => generation.Dispatcher;

    public CodeGeneration Generation => generation;

    public void Dispose() => owner.Exit(generation);
}

/// <summary>
/// The code a worker serves and the code it has prepared: calls take a <see cref="CodeLease"/> on the current
/// generation, a commit switches new calls to prepared code, and the old generation is disposed (and its
/// context unloaded) once its last call has finished. Its <see cref="Load"/> counts the calls of every
/// generation still running some.
/// </summary>
internal sealed class ServiceCode : IAsyncDisposable
{
    /// <summary>How long prepared code waits for its commit: a sync commits within seconds, so older code was left behind.</summary>
    public static readonly TimeSpan PreparedLifetime = TimeSpan.FromMinutes(2);

    /// <summary>How many prepared generations a worker keeps at once; preparing one more drops the oldest.</summary>
    public const int MaxPrepared = 4;

    private static readonly TimeSpan RetirePollInterval = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentDictionary<string, (CodeGeneration Generation, long PreparedAt)> _prepared = new(StringComparer.Ordinal);

    // Generations a commit replaced whose calls still run. Commit, retirement and Load take _generations, so
    // Load sees each call's generation once, in _current or here, and a retired one's calls in _retiredCallsStarted;
    // the call path never takes it.
    private readonly HashSet<CodeGeneration> _retiring = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _generations = new();
    private readonly TimeProvider _time;
    private CodeGeneration _current;
    private long _retiredCallsStarted;
    private long _lastCallEnded;
    private int _nextNumber;

    public ServiceCode(CodeGeneration initial, TimeProvider time)
    {
        _current = initial;
        Initial = initial;
        _time = time;
        _nextNumber = initial.Number;
        _lastCallEnded = time.GetTimestamp();
    }

    public CodeGeneration Current => Volatile.Read(ref _current);

    /// <summary>The code the process started with; its host assemblies stay loaded whatever serves now.</summary>
    public CodeGeneration Initial { get; }

    public CodeLease Enter()
    {
        while (true)
        {
            var generation = Volatile.Read(ref _current);
            generation.Enter();

            // A commit between the read and the count would let the old generation retire under this call:
            // count first, then check that it is still current.
            if (ReferenceEquals(generation, Volatile.Read(ref _current)))
            {
                generation.Started();
                return new CodeLease(this, generation);
            }

            generation.Exit();
        }
    }

    internal void Exit(CodeGeneration generation)
    {
        // Stamped only when a generation's last call ends, not at every call's end: under concurrent calls that is
        // rare, so the call path does not write one more shared line, and it is the moment the idle time starts
        // (the last call to end always leaves its generation at zero).
        if (generation.Exit())
        {
            Volatile.Write(ref _lastCallEnded, _time.GetTimestamp());
        }
    }

    /// <summary>The calls running on every generation, those started since the worker did, and when it last went idle.</summary>
    public CodeLoad Load()
    {
        int inFlight;
        long started;
        lock (_generations)
        {
            var current = Current;
            inFlight = current.InFlight;
            started = current.CallsStarted + _retiredCallsStarted;
            foreach (var generation in _retiring)
            {
                inFlight += generation.InFlight;
                started += generation.CallsStarted;
            }
        }

        return new CodeLoad(inFlight, started, _time.GetUtcNow() - _time.GetElapsedTime(Volatile.Read(ref _lastCallEnded)));
    }

    /// <summary>True when no call runs, no code is prepared, and none has ended (nor code been committed) for <paramref name="period"/>.</summary>
    public bool IsIdleFor(TimeSpan period)
    {
        ExpirePrepared();
        return Load().InFlight == 0 && _prepared.IsEmpty && _time.GetElapsedTime(Volatile.Read(ref _lastCallEnded)) >= period;
    }

    public int NextNumber() => Interlocked.Increment(ref _nextNumber);

    /// <summary>Keeps prepared code for its commit; code older than <see cref="PreparedLifetime"/>, and the oldest beyond <see cref="MaxPrepared"/>, is dropped.</summary>
    public string AddPrepared(CodeGeneration generation)
    {
        ExpirePrepared();
        while (_prepared.Count >= MaxPrepared && _prepared.MinBy(p => p.Value.PreparedAt) is { Key: { } oldest })
        {
            Drop(oldest);
        }

        var id = $"{generation.Number}-{generation.Manifest.Digest[..12]}";
        _prepared[id] = (generation, _time.GetTimestamp());
        return id;
    }

    /// <summary>How many generations are prepared and not yet committed or aborted.</summary>
    public int PreparedCount => _prepared.Count;

    private void ExpirePrepared()
    {
        foreach (var (id, prepared) in _prepared)
        {
            if (_time.GetElapsedTime(prepared.PreparedAt) >= PreparedLifetime)
            {
                Drop(id);
            }
        }
    }

    private void Drop(string id)
    {
        if (_prepared.TryRemove(id, out var dropped))
        {
            _ = RetireAsync(dropped.Generation);
        }
    }

    /// <summary>Serves new calls with the prepared code; the old generation retires when its calls are done.</summary>
    public bool TryCommit(string id, out CodeGeneration committed)
    {
        if (!_prepared.TryRemove(id, out var prepared))
        {
            committed = null!;
            return false;
        }

        committed = prepared.Generation;

        CodeGeneration old;
        lock (_generations)
        {
            old = Volatile.Read(ref _current);
            _retiring.Add(old);
            Volatile.Write(ref _current, committed);
        }

        Volatile.Write(ref _lastCallEnded, _time.GetTimestamp());
        _ = RetireAsync(old);
        return true;
    }

    public async Task<bool> AbortAsync(string id)
    {
        if (!_prepared.TryRemove(id, out var dropped))
        {
            return false;
        }

        await RetireAsync(dropped.Generation).ConfigureAwait(false);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _prepared.Keys)
        {
            await AbortAsync(id).ConfigureAwait(false);
        }

        await Current.Dispatcher.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RetireAsync(CodeGeneration generation)
    {
        while (generation.InFlight > 0)
        {
            await Task.Delay(RetirePollInterval, _time).ConfigureAwait(false);
        }

        lock (_generations)
        {
            if (_retiring.Remove(generation))
            {
                _retiredCallsStarted += generation.CallsStarted;
            }
        }

        await CodeLoader.UnloadAsync(generation).ConfigureAwait(false);
    }
}

using System.Collections.Concurrent;
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
    private int _inFlight;

    public int Number { get; } = number;

    public string Folder { get; } = folder;

    public ServiceDispatcher Dispatcher { get; } = dispatcher;

    /// <summary>The collectible context the code was loaded into; null for generation 0, which lives in the default one.</summary>
    public AssemblyLoadContext? Context { get; } = context;

    /// <summary>Scanned on first use for generation 0, which was not sent to the worker.</summary>
    public AppManifest Manifest => _manifest.Value;

    public int InFlight => Volatile.Read(ref _inFlight);

    internal void Enter() => Interlocked.Increment(ref _inFlight);

    internal void Exit() => Interlocked.Decrement(ref _inFlight);
}

/// <summary>A call's hold on the generation it started on, so a sync never disposes code under a running call.</summary>
internal readonly struct CodeLease(ServiceCode owner, CodeGeneration generation) : IDisposable
{
    public ServiceDispatcher Dispatcher => generation.Dispatcher;

    public void Dispose() => owner.Exit(generation);
}

/// <summary>
/// The code a worker serves and the code it has prepared: calls take a <see cref="CodeLease"/> on the current
/// generation, a commit switches new calls to prepared code, and the old generation is disposed (and its
/// context unloaded) once its last call has finished.
/// </summary>
internal sealed class ServiceCode : IAsyncDisposable
{
    private static readonly TimeSpan RetirePollInterval = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentDictionary<string, CodeGeneration> _prepared = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly bool _tracksIdle;
    private CodeGeneration _current;
    private long _lastCallEnded;
    private int _nextNumber;

    // tracksIdle: whether anyone asks IsIdleFor (a warm worker's expiry). Only then does each call's end stamp the
    // time, a shared write the call path of every other worker does without.
    public ServiceCode(CodeGeneration initial, TimeProvider time, bool tracksIdle)
    {
        _current = initial;
        Initial = initial;
        _time = time;
        _tracksIdle = tracksIdle;
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
                return new CodeLease(this, generation);
            }

            generation.Exit();
        }
    }

    internal void Exit(CodeGeneration generation)
    {
        generation.Exit();
        if (_tracksIdle)
        {
            Volatile.Write(ref _lastCallEnded, _time.GetTimestamp());
        }
    }

    /// <summary>True when no call runs and none has ended for <paramref name="period"/>; needs <c>tracksIdle</c>.</summary>
    public bool IsIdleFor(TimeSpan period)
    {
        if (!_tracksIdle)
        {
            throw new InvalidOperationException("This worker's code was set up without idle tracking: only a warm worker's expiry asks.");
        }

        var current = Current;
        return current.InFlight == 0 && _prepared.IsEmpty && _time.GetElapsedTime(Volatile.Read(ref _lastCallEnded)) >= period;
    }

    public int NextNumber() => Interlocked.Increment(ref _nextNumber);

    public string AddPrepared(CodeGeneration generation)
    {
        var id = $"{generation.Number}-{generation.Manifest.Digest[..12]}";
        _prepared[id] = generation;
        return id;
    }

    /// <summary>Serves new calls with the prepared code; the old generation retires when its calls are done.</summary>
    public bool TryCommit(string id, out CodeGeneration committed)
    {
        if (!_prepared.TryRemove(id, out committed!))
        {
            return false;
        }

        var old = Interlocked.Exchange(ref _current, committed);
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

        await RetireAsync(dropped).ConfigureAwait(false);
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

        await CodeLoader.UnloadAsync(generation).ConfigureAwait(false);
    }
}

namespace Hoist.Worker;

/// <summary>
/// [Autoscale(ContainerConcurrency)] in the worker: at most that many calls run at once, and the rest wait for a slot
/// in arrival order, as Knative's queue-proxy holds requests beyond a revision's containerConcurrency. A waiting call
/// already counts as in flight (it holds its code lease), so the autoscaler sees it as demand, locally and in the
/// controller; it waits no longer than its own deadline or cancellation, and is never dropped. No limit: no cost.
/// </summary>
internal sealed class CallSlots(int limit)
{
    private readonly SemaphoreSlim? _free = limit > 0 ? new SemaphoreSlim(limit, limit) : null;

    /// <summary>The most calls at once; 0 means no limit.</summary>
    public int Limit { get; } = Math.Max(0, limit);

    /// <summary>A slot for one call, released when disposed; waits while every slot is taken.</summary>
    public ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        if (_free is null || _free.Wait(0, CancellationToken.None))
        {
            return new ValueTask<Slot>(new Slot(_free));
        }

        return WaitAsync(_free, cancellationToken);
    }

    private static async ValueTask<Slot> WaitAsync(SemaphoreSlim free, CancellationToken cancellationToken)
    {
        await free.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(free);
    }

    /// <summary>One call's slot.</summary>
    public readonly struct Slot(SemaphoreSlim? free) : IDisposable
    {
        public void Dispose() => free?.Release();
    }
}

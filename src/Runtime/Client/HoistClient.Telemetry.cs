using System.Runtime.CompilerServices;
using Hoist.Dispatch;
using Hoist.Telemetry;

namespace Hoist;

public sealed partial class HoistClient
{
    /// <summary>
    /// A call that someone observes: its client span is current while <paramref name="send"/> builds and sends the
    /// call, so the call carries the span's context to the worker. Only taken when a listener is attached.
    /// </summary>
    private static async Task<TResult> ObserveAsync<TResult>(RemoteMethod method, Func<Task<TResult>> send)
    {
        using var call = ClientCall.Start(method);
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (Exception ex) when (call.Failed(ex))
        {
            throw; // Not reached: the filter records the failure and lets the exception through.
        }
    }

    /// <summary>A stream someone observes: one span from opening the stream to its last item, the early exit included.</summary>
    private static async IAsyncEnumerable<T> ObserveStreamAsync<T>(RemoteMethod method, IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = ClientCall.Start(method, streaming: true);

        // The inner stream opens on its first MoveNextAsync, here, while this call's span is current.
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (call.Failed(ex))
                {
                    throw; // Not reached, as above.
                }

                yield return enumerator.Current;
            }
        }
    }
}

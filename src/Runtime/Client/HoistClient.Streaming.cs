using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using Hoist.Client;
using Hoist.Dispatch;
using Hoist.Protocol;
using Hoist.Serialization;
using Hoist.Telemetry;
using Hoist.Transport;

namespace Hoist;

public sealed partial class HoistClient
{
    /// <summary>
    /// Runs a method that returns <c>IAsyncEnumerable&lt;T&gt;</c> over its own server-streaming RPC and yields each
    /// item as it arrives. One item is read at a time, so HTTP/2 flow control holds the worker back when this
    /// caller reads slowly. Leaving the loop early, or cancelling, cancels the RPC, which fires the method's token.
    /// The stream is one call in flight for the autoscaler from its first item to its last, and a deadline
    /// (WithTimeout, or the service's CallTimeout) covers it whole. A distributed service does not stream: its
    /// generator refuses the method (HOIST024), and a hand-written call here goes to one replica.
    /// </summary>
    public IAsyncEnumerable<T> InvokeStreamingAsync<T>(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken = default) =>
        HoistInstruments.IsCallObserved
            ? ObserveStreamAsync(method, StreamAsync<T>(method, arguments, options, cancellationToken))
            : StreamAsync<T>(method, arguments, options, cancellationToken);

    private async IAsyncEnumerable<T> StreamAsync<T>(
        RemoteMethod method,
        PayloadWriter arguments,
        RemoteCallOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using (arguments)
        {
            var deadline = CallDeadline.Start(Timeout(method.Service, options));
            cancellationToken = CallToken(cancellationToken, out var linked);
            using var stopping = linked;
            var endpoint = (await DeploymentAsync(method.Service, deadline, cancellationToken).ConfigureAwait(false)).PickReplica();
            var request = new InvokeRequest
            {
                Method = method.Name,
                CallId = (ulong)Interlocked.Increment(ref s_callCount),
                Payload = UnsafeByteOperations.UnsafeWrap(arguments.WrittenMemory),
                Json = typeof(T) == typeof(JsonText),
                WireContract = method.WireContract,
            };

            if (deadline.At is { } at)
            {
                request.DeadlineUnixMs = new DateTimeOffset(at).ToUnixTimeMilliseconds();
            }

            var (call, opened, first) = await OpenStreamAsync(endpoint, request, deadline, method, cancellationToken).ConfigureAwait(false);
            try
            {
                for (var item = first; item is not null; item = await NextItemAsync(call.ResponseStream, opened, method, deadline.Timeout, cancellationToken).ConfigureAwait(false))
                {
                    if (item.KindCase == StreamItem.KindOneofCase.Error)
                    {
                        throw ToRemoteException(item.Error);
                    }

                    yield return typeof(T) == typeof(JsonText)
                        ? (T)(object)new JsonText(System.Text.Encoding.UTF8.GetString(item.Item.Span))
                        : Payload.Deserialize<T>(item.Item.Span);
                }
            }
            finally
            {
                call.Dispose();
                opened.EndCall();
            }
        }
    }

    /// <summary>
    /// Opens the stream and reads its first item, counted as a call in flight on the endpoint it returns. A
    /// stream that never reached its worker (leaving rotation, or already gone) is sent once more, to a replica
    /// that serves, as a unary call would be; after the first item nothing is retried.
    /// </summary>
    private async Task<(AsyncServerStreamingCall<StreamItem> Call, WorkerEndpoint Endpoint, StreamItem? First)> OpenStreamAsync(
        WorkerEndpoint endpoint,
        InvokeRequest request,
        CallDeadline deadline,
        RemoteMethod method,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            endpoint.BeginCall();
            var call = endpoint.Client.InvokeStreaming(request, new CallOptions(TraceContext.Headers(endpoint.Headers), deadline.At, cancellationToken));
            var opened = false;
            try
            {
                var first = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) ? call.ResponseStream.Current : null;
                opened = true;
                return (call, endpoint, first);
            }
            catch (Exception ex) when (attempt == 0 && !cancellationToken.IsCancellationRequested && NeverReachedTheWorker(endpoint, ex))
            {
                endpoint.MarkLostIfUnreachable(ex);
            }
            catch (Exception ex) when (IsCallFailure(ex, cancellationToken))
            {
                throw CallFailed(ex, endpoint, method, deadline.Timeout, cancellationToken);
            }
            finally
            {
                if (!opened)
                {
                    call.Dispose();
                    endpoint.EndCall();
                }
            }

            endpoint = (await DeploymentAsync(method.Service, deadline, cancellationToken).ConfigureAwait(false)).PickReplica();
        }
    }

    /// <summary>The next item, or null at the stream's end; a broken stream fails as a unary call to the same worker would.</summary>
    private async ValueTask<StreamItem?> NextItemAsync(
        IAsyncStreamReader<StreamItem> items,
        WorkerEndpoint endpoint,
        RemoteMethod method,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        try
        {
            return await items.MoveNext(cancellationToken).ConfigureAwait(false) ? items.Current : null;
        }
        catch (Exception ex) when (IsCallFailure(ex, cancellationToken))
        {
            throw CallFailed(ex, endpoint, method, timeout, cancellationToken);
        }
    }
}

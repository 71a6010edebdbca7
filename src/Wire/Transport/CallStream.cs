using System.Collections.Concurrent;
using Grpc.Core;
using Hoist.Protocol;

namespace Hoist.Transport;

/// <summary>
/// Many calls to one worker over one long-lived InvokeStream, matched to their answers by call id: what a
/// distributed call's fan-out uses, since a message on an open stream costs far less than a unary call.
/// Each call fails the way a unary call would, as an <see cref="RpcException"/> with the same status: the
/// worker's refusal, Cancelled, DeadlineExceeded, or the stream's own failure. However the stream ends,
/// every call still waiting on it fails at once, so a lost worker never leaves a caller hanging.
/// </summary>
internal sealed class CallStream : IDisposable
{
    private readonly AsyncDuplexStreamingCall<CallFrame, CallResult> _call;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<InvokeResponse>> _waiting = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private Exception? _ended;

    /// <param name="call">The worker's <c>InvokeStream</c>, or its call socket's stream (<see cref="CallSocket.Open"/>).</param>
    /// <param name="readsBlock">
    /// The answers' reads block (a call socket's): they are read on a thread of this stream's own, woken by the kernel
    /// when an answer arrives, and each caller's continuation still runs on the thread pool.
    /// </param>
    public CallStream(AsyncDuplexStreamingCall<CallFrame, CallResult> call, bool readsBlock = false)
    {
        _call = call;
        if (readsBlock)
        {
            new Thread(() => ReadAnswersAsync().GetAwaiter().GetResult()) { IsBackground = true, Name = "Hoist call answers" }.Start();
        }
        else
        {
            _ = ReadAnswersAsync();
        }
    }

    /// <summary>The stream failed or the worker closed it; a new call needs a new stream.</summary>
    public bool HasEnded => Volatile.Read(ref _ended) is not null;

    /// <summary>
    /// Sends the call and waits for its answer, the caller's cancellation or the deadline, whichever comes
    /// first. <paramref name="maxFrameBytes"/> is the workers' request size limit (Hoist:MaxRequestBytes).
    /// </summary>
    public async Task<InvokeResponse> InvokeAsync(InvokeRequest request, DateTime? deadline, int maxFrameBytes, CancellationToken cancellationToken)
    {
        // Refused here, as the worker would refuse a unary call: a frame over the worker's limit would end
        // the stream, and with it every other call on it.
        var frame = new CallFrame { Invoke = request };
        if (frame.CalculateSize() is var size && size > maxFrameBytes)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The request is {size} bytes; the workers accept at most {maxFrameBytes} (Hoist:MaxRequestBytes)."));
        }

        var callId = request.CallId;
        var answer = new TaskCompletionSource<InvokeResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[callId] = answer;

        // The reader may have ended, and swept the waiting calls, before the line above: fail this one here.
        if (Volatile.Read(ref _ended) is { } ended)
        {
            _waiting.TryRemove(callId, out _);
            throw ended;
        }

        var sent = SendAsync(frame, callId);
        using var deadlineTimer = deadline is { } at ? new CancellationTokenSource(Max(at - DateTime.UtcNow, TimeSpan.Zero)) : null;
        using var onCancelled = cancellationToken.Register(() => Abandon(callId, sent, StatusCode.Cancelled, "The caller cancelled the call."));
        using var onDeadline = deadlineTimer?.Token.Register(() => Abandon(callId, sent, StatusCode.DeadlineExceeded, "The call's deadline passed."));
        return await answer.Task.ConfigureAwait(false);
    }

    public void Dispose()
    {
        // Ends the reader, which fails whatever still waits.
        _call.Dispose();
    }

    /// <summary>
    /// Stops waiting for a call and tells the worker, so that the method's token fires there too. The cancel
    /// goes after the call itself, or the worker would not know the call it names.
    /// </summary>
    private void Abandon(ulong callId, Task callSent, StatusCode status, string detail)
    {
        if (_waiting.TryRemove(callId, out var answer))
        {
            answer.TrySetException(new RpcException(new Status(status, detail)));
            _ = callSent.ContinueWith(
                (_, id) => SendAsync(new CallFrame { Cancel = (ulong)id! }, callId: null),
                callId,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>One frame at a time, as a stream requires. A failed write fails the call it carried.</summary>
    private async Task SendAsync(CallFrame frame, ulong? callId)
    {
        try
        {
            await _writing.WaitAsync().ConfigureAwait(false);
            try
            {
                await _call.RequestStream.WriteAsync(frame).ConfigureAwait(false);
            }
            finally
            {
                _writing.Release();
            }
        }
        catch (Exception ex)
        {
            if (callId is { } id && _waiting.TryRemove(id, out var answer))
            {
                answer.TrySetException(AsStreamFailure(ex));
            }
        }
    }

    private async Task ReadAnswersAsync()
    {
        Exception ended;
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                var result = _call.ResponseStream.Current;
                if (!_waiting.TryRemove(result.CallId, out var answer))
                {
                    continue; // Abandoned: the caller already has its answer.
                }

                if (result.OutcomeCase == CallResult.OutcomeOneofCase.Response)
                {
                    answer.TrySetResult(result.Response);
                }
                else
                {
                    answer.TrySetException(new RpcException(new Status((StatusCode)result.Refusal.StatusCode, result.Refusal.Detail)));
                }
            }

            ended = new RpcException(new Status(StatusCode.Unavailable, "The worker closed the call stream: it is stopping."));
        }
        catch (Exception ex)
        {
            ended = AsStreamFailure(ex);
        }

        Volatile.Write(ref _ended, ended);
        foreach (var callId in _waiting.Keys)
        {
            if (_waiting.TryRemove(callId, out var answer))
            {
                answer.TrySetException(ended);
            }
        }
    }

    /// <summary>
    /// A broken stream as the caller's error handling knows it: gRPC's own status, the disposed channel of a
    /// lost worker, or else Unavailable, as a unary call to a worker whose connection broke would fail.
    /// </summary>
    private static Exception AsStreamFailure(Exception exception) =>
        exception is RpcException or ObjectDisposedException
            ? exception
            : new RpcException(new Status(StatusCode.Unavailable, $"The call stream to the worker broke: {exception.Message}", exception));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

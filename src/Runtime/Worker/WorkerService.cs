using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Hoist.Dispatch;
using Hoist.Hosting;
using Hoist.Protocol;
using Hoist.Serialization;
using Hoist.Telemetry;
using Hoist.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;

namespace Hoist.Worker;

/// <summary>
/// The gRPC face of a worker. It guards the door (token, size, payload shape, method id) and turns a
/// user exception into a <see cref="RemoteError"/> in the reply, so only transport-level refusals are gRPC
/// statuses. Nothing here stops the worker: every refusal leaves it serving.
/// </summary>
internal sealed partial class WorkerService(
    ServiceCode code,
    CallSlots slots,
    CallerToken token,
    WorkerEnvironment environment,
    WorkerLogBuffer logs,
    IHostApplicationLifetime lifetime,
    ILogger<WorkerService> logger) : Protocol.Worker.WorkerBase
{
    public override Task<InvokeResponse> Invoke(InvokeRequest request, ServerCallContext context)
    {
        token.Authorize(context);
        return RunCallAsync(request, TraceHeader(context, TraceContext.TraceParentHeader), TraceHeader(context, TraceContext.TraceStateHeader), context.CancellationToken);
    }

    public override async Task InvokeStream(IAsyncStreamReader<CallFrame> requestStream, IServerStreamWriter<CallResult> responseStream, ServerCallContext context)
    {
        token.Authorize(context);
        await ServeCallsAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The calls of one call stream, gRPC's <see cref="InvokeStream"/> or a call socket's (<see cref="CallSocketServer"/>),
    /// each run as it arrives and answered as it finishes. <paramref name="streamAborted"/> fires when the caller is gone,
    /// and stops every call still running.
    /// </summary>
    internal async Task ServeCallsAsync(IAsyncStreamReader<CallFrame> requestStream, IServerStreamWriter<CallResult> responseStream, CancellationToken streamAborted)
    {
        // Reading stops when the worker starts stopping: the calls already read run to the end and are
        // answered, then the stream ends, so that Kestrel's graceful shutdown is not held up by it.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(streamAborted, lifetime.ApplicationStopping);
        var calls = new StreamedCalls(this, responseStream, logger, streamAborted);
        try
        {
            while (await requestStream.MoveNext(reading.Token).ConfigureAwait(false))
            {
                var frame = requestStream.Current;
                if (frame.KindCase == CallFrame.KindOneofCase.Invoke)
                {
                    calls.Start(frame.Invoke);
                }
                else if (frame.KindCase == CallFrame.KindOneofCase.Cancel)
                {
                    calls.Cancel(frame.Cancel);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } && reading.IsCancellationRequested)
        {
        }
        catch
        {
            // The stream broke (say, a frame over the size limit): no answer can reach the caller any more,
            // so the calls it carried stop too.
            calls.CancelAll();
            await calls.WhenAllAnsweredAsync().ConfigureAwait(false);
            throw;
        }

        await calls.WhenAllAnsweredAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a method that returns <c>IAsyncEnumerable&lt;T&gt;</c>, writing each item as it is yielded. Each write
    /// waits for HTTP/2 flow control, so the method is never more than the stream's window ahead of its reader.
    /// The call's token (the caller cancelled, went away or passed its deadline) is the method's token.
    /// </summary>
    public override async Task InvokeStreaming(InvokeRequest request, IServerStreamWriter<StreamItem> responseStream, ServerCallContext context)
    {
        token.Authorize(context);
        var cancellationToken = context.CancellationToken;
        using var activity = WorkerCall.Start(environment, request.Method, TraceHeader(context, TraceContext.TraceParentHeader), TraceHeader(context, TraceContext.TraceStateHeader), streaming: true);
        if (request.SharedPayload is not null)
        {
            LogRefused(logger, request.CallId, "InvalidArgument", "a streamed call with shared-memory arguments");
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Streamed call {request.CallId} to '{environment.ServiceName}/{request.Method}' must carry its arguments inline."));
        }

        // The stream runs on the code it started on, to its end, even if a sync commits meanwhile.
        using var lease = code.Enter();
        RefuseOtherContract(request, lease.Generation);
        using var slot = await EnterSlotAsync(request, cancellationToken).ConfigureAwait(false);
        IAsyncEnumerator<ReadOnlyMemory<byte>> items;
        try
        {
            items = (request.Json
                    ? lease.Dispatcher.InvokeStreamingJsonAsync(request.Method, request.Payload.Memory, cancellationToken)
                    : lease.Dispatcher.InvokeStreamingAsync(request.Method, request.Payload.Memory, cancellationToken))
                .GetAsyncEnumerator(cancellationToken);
        }
        catch (UnknownMethodException ex)
        {
            LogUnknownMethod(logger, request.CallId, ex.Message);
            throw new RpcException(new Status(StatusCode.Unimplemented, $"Service '{environment.ServiceName}' has no streaming method '{request.Method}'."));
        }
        catch (PayloadFormatException ex)
        {
            LogRefused(logger, request.CallId, "InvalidArgument", ex.Message);
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Malformed arguments for '{environment.ServiceName}/{request.Method}': {ex.Message}"));
        }

        await using (items.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await items.MoveNextAsync().ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new RpcException(new Status(StatusCode.Cancelled, $"Streamed call {request.CallId} to '{environment.ServiceName}/{request.Method}' was cancelled."));
                }
                catch (Exception ex)
                {
                    // After the items already sent, as the last one: the caller throws it where its loop stands.
                    LogUserException(logger, request.CallId, request.Method, ex);
                    WorkerCall.Failed(activity, ex.GetType().FullName ?? ex.GetType().Name, ex.Message);
                    await responseStream.WriteAsync(new StreamItem { Error = ToRemoteError(ex, depth: 0) }, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await responseStream.WriteAsync(new StreamItem { Item = UnsafeByteOperations.UnsafeWrap(items.Current) }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs one call to the end: its result, or the user's exception as a <see cref="RemoteError"/>. A refusal
    /// (unknown method, malformed arguments, cancelled) is an <see cref="RpcException"/> with its status.
    /// </summary>
    private async Task<InvokeResponse> RunAsync(InvokeRequest request, CancellationToken cancellationToken)
    {
        var lease = code.Enter();
        MappedRegion? shared;
        try
        {
            RefuseOtherContract(request, lease.Generation);
            shared = request.SharedPayload is { } region ? ReadSharedArguments(request, region, cancellationToken) : null;
        }
        catch
        {
            lease.Dispose();
            throw;
        }

        // The arguments' mapping outlives the method's task and the writing of its answer: a ReadOnlyMemory<T> parameter is a
        // view of it (MappedElements), which the method may return. Disposed here, before the caller hears the answer and may
        // reuse the file (see MappedRegion).
        using (shared)
        {
            ReadOnlyMemory<byte> result;
            try
            {
                using var slot = await slots.EnterAsync(cancellationToken).ConfigureAwait(false);
                var arguments = shared is null ? request.Payload.Memory : shared.Memory;
                result = request.Json
                    ? await lease.Dispatcher.InvokeJsonAsync(request.Method, arguments, cancellationToken).ConfigureAwait(false)
                    : await lease.Dispatcher.InvokeAsync(request.Method, arguments, cancellationToken).ConfigureAwait(false);
            }
            catch (UnknownMethodException ex)
            {
                LogUnknownMethod(logger, request.CallId, ex.Message);
                throw new RpcException(new Status(StatusCode.Unimplemented, ex.Message));
            }
            catch (PayloadFormatException ex)
            {
                LogRefused(logger, request.CallId, "InvalidArgument", ex.Message);
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"Malformed arguments for '{environment.ServiceName}/{request.Method}': {ex.Message}"));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller cancelled or its deadline passed; it is no longer waiting for an answer.
                throw new RpcException(new Status(StatusCode.Cancelled, $"Call {request.CallId} to '{environment.ServiceName}/{request.Method}' was cancelled."));
            }
            catch (Exception ex)
            {
                LogUserException(logger, request.CallId, request.Method, ex);
                return new InvokeResponse { Error = ToRemoteError(ex, depth: 0) };
            }
            finally
            {
                lease.Dispose();
            }

            if (request.ResultOffer is { } offer && environment.SharedMemoryFolder is { } folder && result.Length >= offer.MinLength)
            {
                try
                {
                    return new InvokeResponse { SharedResult = SharedRegions.WriteExisting(folder, offer.Name, result) };
                }
                catch (FileNotFoundException ex)
                {
                    // Gone only when the caller stopped waiting and removed it: no one is left to answer.
                    LogDataLoss(request, ex.Message, cancellationToken);
                    throw new RpcException(new Status(StatusCode.DataLoss, $"Call {request.CallId} to '{environment.ServiceName}/{request.Method}' could not write its result to shared memory: {ex.Message}"));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    // Shared memory is full (or refuses the file): the result goes back inline, as a small one does.
                    SharedMemoryFallback.Record(logger, environment.ServiceName, SharedMemoryFallback.Result, folder, result.Length, ex);
                }
            }

            // An inline answer is serialized after this returns: one that refers to the mapping (a ReadOnlyMemory<T> argument
            // returned as it came) is joined into a block of its own now, while the mapping is there.
            if (shared is not null)
            {
                _ = result.Span;
            }

            return new InvokeResponse { Result = UnsafeByteOperations.UnsafeWrap(result) };
        }
    }

    /// <summary>A streamed call's slot (<see cref="CallSlots"/>); a caller that stops waiting for one ends the call as cancelled.</summary>
    private async ValueTask<CallSlots.Slot> EnterSlotAsync(InvokeRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await slots.EnterAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"Streamed call {request.CallId} to '{environment.ServiceName}/{request.Method}' was cancelled while it waited for one of the worker's {slots.Limit} call slots (ContainerConcurrency)."));
        }
    }

    /// <summary>
    /// Refuses a call whose proxy was built against another wire contract of the method than the code it would run on,
    /// before anything reads its arguments: those bytes mean other members to this code, and reading them would compute
    /// on defaults. A call without a fingerprint (by name, with JSON arguments) is left to the JSON reading's own checks,
    /// and a method this code lacks to the dispatcher's Unimplemented.
    /// </summary>
    private void RefuseOtherContract(InvokeRequest request, CodeGeneration generation)
    {
        if (request.WireContract == 0 ||
            !generation.WireContracts.TryGetValue(request.Method, out var own) ||
            own.Fingerprint == request.WireContract)
        {
            return;
        }

        LogContractRefused(logger, request.CallId, request.Method, WireContract.Format(request.WireContract), own.Hex, generation.Number);
        throw new RpcException(new Status(
            StatusCode.FailedPrecondition,
            WorkerProtocol.ContractRefusal(environment.ServiceName, request.CallId, request.Method, request.WireContract, own, generation.Number)));
    }

    /// <summary>
    /// The arguments a local caller put in shared memory; a region that cannot be read, or that is not the one named,
    /// refuses the call rather than run it on other bytes. They are bounded by the shared memory that holds them (and
    /// an array's largest length), not by Hoist:MaxRequestBytes, which caps what a worker must buffer from the socket:
    /// a region is already in memory, made by a caller that showed the token.
    /// </summary>
    private MappedRegion ReadSharedArguments(InvokeRequest request, SharedRegion region, CancellationToken cancellationToken)
    {
        if (environment.SharedMemoryFolder is not { } folder)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Service '{environment.ServiceName}' refused call {request.CallId}: it names a shared-memory region, and this worker shares no memory with its callers."));
        }

        if (region.Length > Array.MaxLength)
        {
            LogRefused(logger, request.CallId, "ResourceExhausted", $"{region.Length} bytes in shared memory");
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The request is {region.Length} bytes in shared memory; service '{environment.ServiceName}' reads at most {Array.MaxLength}, the largest array .NET makes."));
        }

        try
        {
            return MappedRegion.Map(folder, region, Array.MaxLength);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            LogDataLoss(request, ex.Message, cancellationToken);
            throw new RpcException(new Status(StatusCode.DataLoss, $"Service '{environment.ServiceName}' could not read the arguments of call {request.CallId} from shared memory: {ex.Message}"));
        }
    }

    public override async Task StreamLogs(StreamLogsRequest request, IServerStreamWriter<LogRecord> responseStream, ServerCallContext context)
    {
        token.Authorize(context);

        // The stream ends when the worker starts stopping: Kestrel's graceful shutdown waits for open
        // requests, and a log subscriber must not hold a draining worker up.
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var record in logs.SubscribeAsync(request.IncludeBuffered, stream.Token).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(record, stream.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The calls this worker runs now, on every call path and every generation of its code, for the in-cluster
    /// controller, which must not scale a workload to zero under a long call. It takes no token, as a Knative
    /// queue-proxy's metrics scrape takes none: it answers with counts and names only (no arguments, results or
    /// code), and the controller that reads it from every pod holds no worker token, which is for the service's callers.
    /// Its wire contract digest lets <c>hoist status</c> show a mixed rollout.
    /// </summary>
    public override Task<WorkerLoad> GetLoad(GetLoadRequest request, ServerCallContext context)
    {
        var load = code.Load();
        var reply = new WorkerLoad
        {
            InFlight = load.InFlight,
            CallsStarted = (ulong)load.CallsStarted,
            IdleSinceUnixMs = load.IdleSince.ToUnixTimeMilliseconds(),
            Service = environment.ServiceName,
            Replica = environment.ReplicaName ?? "",
            WireContract = code.Current.ContractDigest,
        };
        if (environment.Rank is { } rank)
        {
            reply.Rank = rank;
        }

        return Task.FromResult(reply);
    }

    private RemoteError ToRemoteError(Exception exception, int depth)
    {
        var error = new RemoteError
        {
            Type = exception.GetType().FullName ?? exception.GetType().Name,
            Message = exception.Message,
            StackTrace = exception.StackTrace ?? "",
            Service = environment.ServiceName,
            Replica = environment.ReplicaName ?? "",
        };
        if (environment.Rank is { } rank)
        {
            error.Rank = rank;
        }

        if (exception.InnerException is { } inner && depth < 8)
        {
            error.Inner = ToRemoteError(inner, depth + 1);
        }

        return error;
    }

    /// <summary>
    /// The calls of one InvokeStream: each runs on the thread pool, so a method that blocks never stops the
    /// stream from reading the next call or a cancel; answers are written one at a time, as they finish.
    /// </summary>
    private sealed class StreamedCalls(WorkerService service, IServerStreamWriter<CallResult> answers, ILogger logger, CancellationToken streamAborted)
    {
        private readonly ConcurrentDictionary<ulong, RunningCall> _running = new();
        private readonly SemaphoreSlim _writing = new(1, 1);
        private readonly List<Task> _answering = [];

        public void Start(InvokeRequest request)
        {
            var cancellation = CancellationTokenSource.CreateLinkedTokenSource(streamAborted);
            if (request.DeadlineUnixMs > 0)
            {
                // The caller sends a cancel at its deadline; this holds even if that frame never arrives.
                cancellation.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(0, request.DeadlineUnixMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));
            }

            var call = new RunningCall(cancellation);
            _running[request.CallId] = call;
            _answering.RemoveAll(static task => task.IsCompleted);
            _answering.Add(Task.Run(() => AnswerAsync(request, call)));
        }

        public void Cancel(ulong callId)
        {
            if (_running.TryGetValue(callId, out var call))
            {
                try
                {
                    call.CancelledByCaller = true;
                    call.Cancellation.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // It finished meanwhile.
                }
            }
        }

        public void CancelAll()
        {
            foreach (var callId in _running.Keys)
            {
                Cancel(callId);
            }
        }

        public Task WhenAllAnsweredAsync() => Task.WhenAll(_answering);

        private async Task AnswerAsync(InvokeRequest request, RunningCall call)
        {
            var answer = new CallResult { CallId = request.CallId };
            try
            {
                answer.Response = await service.RunCallAsync(request, request.Traceparent, request.Tracestate, call.Cancellation.Token).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && !call.CancelledByCaller && !streamAborted.IsCancellationRequested)
            {
                // Neither a cancel frame nor the stream's end: the deadline fired here before the caller's own
                // timer. Say so, as gRPC does for a unary call, or the caller would take it for a lost worker.
                answer.Refusal = new CallRefusal { StatusCode = (int)StatusCode.DeadlineExceeded, Detail = $"Call {request.CallId} passed its deadline." };
            }
            catch (RpcException ex)
            {
                answer.Refusal = new CallRefusal { StatusCode = (int)ex.StatusCode, Detail = ex.Status.Detail };
            }
            finally
            {
                _running.TryRemove(request.CallId, out _);
                call.Cancellation.Dispose();
            }

            await _writing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await answers.WriteAsync(answer, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The stream is gone (the caller went away, or it broke): no one is waiting for this answer.
                LogAnswerDropped(logger, request.CallId, ex.Message);
            }
            finally
            {
                _writing.Release();
            }
        }
    }

    /// <summary>A streamed call while it runs: its cancellation, and whether the caller asked for it.</summary>
    private sealed class RunningCall(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        public volatile bool CancelledByCaller;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The answer to streamed call {CallId} was not sent: {Reason}")]
    private static partial void LogAnswerDropped(ILogger logger, ulong callId, string reason);

    /// <summary>
    /// A region that could not be read or written: a warning, unless the caller had already given up on the call (its
    /// deadline passed, or it cancelled) and removed the region, which is no news to anyone.
    /// </summary>
    private void LogDataLoss(InvokeRequest request, string reason, CancellationToken cancellationToken)
    {
        var abandoned = cancellationToken.IsCancellationRequested
            || (request.DeadlineUnixMs > 0 && DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= request.DeadlineUnixMs);
        if (abandoned)
        {
            LogAbandoned(logger, request.CallId, reason);
        }
        else
        {
            LogRefused(logger, request.CallId, "DataLoss", reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId} was abandoned by its caller before its shared memory was used: {Reason}")]
    private static partial void LogAbandoned(ILogger logger, ulong callId, string reason);

    // The caller hears the refusal, with the methods the service has; a caller's mistake is no warning in the worker's log.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused call {CallId} with Unimplemented: {Reason}")]
    private static partial void LogUnknownMethod(ILogger logger, ulong callId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused call {CallId} with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, ulong callId, string status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused call {CallId} to {Method}: the caller's wire contract {CallerContract} is not this code's {WorkerContract} (generation {Generation}); the caller runs another build")]
    private static partial void LogContractRefused(ILogger logger, ulong callId, string method, string callerContract, string workerContract, int generation);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId} to {Method} threw; the caller gets a RemoteException")]
    private static partial void LogUserException(ILogger logger, ulong callId, string method, Exception exception);
}

using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Hoist.Dispatch;
using Hoist.Hosting;
using Hoist.Protocol;
using Hoist.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.Worker;

/// <summary>
/// The gRPC face of a worker. It guards the door (token, size, payload shape, method id) and turns a
/// user exception into a <see cref="RemoteError"/> in the reply, so only transport-level refusals are gRPC
/// statuses. Nothing here stops the worker: every refusal leaves it serving.
/// </summary>
internal sealed partial class WorkerService(
    ServiceDispatcher dispatcher,
    WorkerEnvironment environment,
    WorkerLogBuffer logs,
    IHostApplicationLifetime lifetime,
    ILogger<WorkerService> logger) : Protocol.Worker.WorkerBase
{
    public const string TokenHeader = "x-hoist-token";

    private readonly byte[] _token = Encoding.UTF8.GetBytes(environment.CallToken);

    public override async Task<InvokeResponse> Invoke(InvokeRequest request, ServerCallContext context)
    {
        Authorize(context);
        try
        {
            var result = request.Json
                ? await dispatcher.InvokeJsonAsync(request.Method, request.Payload.Memory, context.CancellationToken).ConfigureAwait(false)
                : await dispatcher.InvokeAsync(request.Method, request.Payload.Memory, context.CancellationToken).ConfigureAwait(false);
            return new InvokeResponse { Result = UnsafeByteOperations.UnsafeWrap(result) };
        }
        catch (UnknownMethodException ex)
        {
            LogRefused(logger, request.CallId, "Unimplemented", ex.Message);
            throw new RpcException(new Status(StatusCode.Unimplemented, ex.Message));
        }
        catch (PayloadFormatException ex)
        {
            LogRefused(logger, request.CallId, "InvalidArgument", ex.Message);
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Malformed arguments for '{environment.ServiceName}/{request.Method}': {ex.Message}"));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller cancelled or its deadline passed; it is no longer waiting for an answer.
            throw new RpcException(new Status(StatusCode.Cancelled, $"Call {request.CallId} to '{environment.ServiceName}/{request.Method}' was cancelled."));
        }
        catch (Exception ex)
        {
            LogUserException(logger, request.CallId, request.Method, ex);
            return new InvokeResponse { Error = ToRemoteError(ex, depth: 0) };
        }
    }

    public override async Task StreamLogs(StreamLogsRequest request, IServerStreamWriter<LogRecord> responseStream, ServerCallContext context)
    {
        Authorize(context);

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

    private void Authorize(ServerCallContext context)
    {
        // Straight from Kestrel's header table: building the call's Metadata collection costs more than the check.
        var presented = context.GetHttpContext().Request.Headers[TokenHeader].ToString();
        if (presented.Length == 0 || !Matches(presented))
        {
            LogUnauthorized(logger, context.Peer);
            throw new RpcException(new Status(
                StatusCode.PermissionDenied,
                $"Service '{environment.ServiceName}' refused the call: it did not carry this deployment's token in '{TokenHeader}'."));
        }
    }

    private bool Matches(string presented)
    {
        if (Encoding.UTF8.GetMaxByteCount(presented.Length) > 256)
        {
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token);
        }

        Span<byte> bytes = stackalloc byte[256];
        var length = Encoding.UTF8.GetBytes(presented, bytes);
        return CryptographicOperations.FixedTimeEquals(bytes[..length], _token);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call from {Peer} without this deployment's token")]
    private static partial void LogUnauthorized(ILogger logger, string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused call {CallId} with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, ulong callId, string status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId} to {Method} threw; the caller gets a RemoteException")]
    private static partial void LogUserException(ILogger logger, ulong callId, string method, Exception exception);
}

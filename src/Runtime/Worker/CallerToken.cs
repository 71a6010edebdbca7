using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Hoist.Hosting;
using Hoist.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;

namespace Hoist.Worker;

/// <summary>
/// The worker's door: every RPC, calls and code sync alike, must carry this deployment's token in
/// <see cref="WorkerProtocol.TokenHeader"/>, compared in constant time. Only GetLoad, which returns counts, and the
/// health check are open (see <see cref="WorkerService.GetLoad"/>). <see cref="Admit"/> checks the headers before
/// anything reads a request's body, over TCP and the Unix socket alike, so a caller without the token never gets a
/// byte of its message into the worker's memory; the services check again.
/// </summary>
internal sealed partial class CallerToken(WorkerEnvironment environment, ILogger<CallerToken> logger)
{
    private const string PermissionDenied = "7";
    private readonly byte[] _token = Encoding.UTF8.GetBytes(environment.CallToken);

    /// <summary>The RPCs that need no token: their requests are empty and their answers are counts or health.</summary>
    public static bool IsOpen(PathString path) =>
        path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal)
        || path.Equals("/hoist.v1.Worker/GetLoad", StringComparison.Ordinal);

    /// <summary>
    /// Middleware: passes a request that carries the token (or is open) on; answers any other at once with gRPC's
    /// PermissionDenied in the headers (a trailers-only response), leaving its body unread.
    /// </summary>
    public Task Admit(HttpContext context, RequestDelegate next)
    {
        var presented = context.Request.Headers[WorkerProtocol.TokenHeader].ToString();
        if ((presented.Length > 0 && Matches(presented)) || IsOpen(context.Request.Path))
        {
            return next(context);
        }

        LogUnauthorized(logger, context.Connection.RemoteIpAddress?.ToString() ?? "a local socket");
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = PermissionDenied;
        response.Headers["grpc-message"] = Uri.EscapeDataString(Refusal);
        return Task.CompletedTask;
    }

    public string Refusal => $"Service '{environment.ServiceName}' refused the call: it did not carry this deployment's token in '{WorkerProtocol.TokenHeader}'.";

    /// <summary>Throws PermissionDenied unless the call carries the token.</summary>
    public void Authorize(ServerCallContext context)
    {
        // Straight from Kestrel's header table: building the call's Metadata collection costs more than the check.
        var presented = context.GetHttpContext().Request.Headers[WorkerProtocol.TokenHeader].ToString();
        if (presented.Length == 0 || !Matches(presented))
        {
            LogUnauthorized(logger, context.Peer);
            throw new RpcException(new Status(StatusCode.PermissionDenied, Refusal));
        }
    }

    public bool Matches(string presented) => Matches(_token, presented);

    /// <summary>Logs a caller turned away for want of the token, as the gRPC door does.</summary>
    public void Refused(string peer) => LogUnauthorized(logger, peer);

    /// <summary>Whether <paramref name="presented"/> is <paramref name="token"/> (UTF-8), compared in constant time; the in-cluster controller's activator checks with it too.</summary>
    public static bool Matches(ReadOnlySpan<byte> token, string presented)
    {
        if (presented.Length == 0 || token.IsEmpty)
        {
            return false;
        }

        if (Encoding.UTF8.GetMaxByteCount(presented.Length) > 256)
        {
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), token);
        }

        Span<byte> bytes = stackalloc byte[256];
        var length = Encoding.UTF8.GetBytes(presented, bytes);
        return CryptographicOperations.FixedTimeEquals(bytes[..length], token);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call from {Peer} without this deployment's token")]
    private static partial void LogUnauthorized(ILogger logger, string peer);
}

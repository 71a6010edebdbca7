using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Hoist.Hosting;
using Hoist.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hoist.Worker;

/// <summary>
/// The worker's door: every RPC, calls and code sync alike, must carry this deployment's token in
/// <see cref="WorkerProtocol.TokenHeader"/>, compared in constant time. Only GetLoad, which returns counts, is open
/// (see <see cref="WorkerService.GetLoad"/>).
/// </summary>
internal sealed partial class CallerToken(WorkerEnvironment environment, ILogger<CallerToken> logger)
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(environment.CallToken);

    /// <summary>Throws PermissionDenied unless the call carries the token.</summary>
    public void Authorize(ServerCallContext context)
    {
        // Straight from Kestrel's header table: building the call's Metadata collection costs more than the check.
        var presented = context.GetHttpContext().Request.Headers[WorkerProtocol.TokenHeader].ToString();
        if (presented.Length == 0 || !Matches(presented))
        {
            LogUnauthorized(logger, context.Peer);
            throw new RpcException(new Status(
                StatusCode.PermissionDenied,
                $"Service '{environment.ServiceName}' refused the call: it did not carry this deployment's token in '{WorkerProtocol.TokenHeader}'."));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call from {Peer} without this deployment's token")]
    private static partial void LogUnauthorized(ILogger logger, string peer);
}

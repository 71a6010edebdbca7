using System.Net.Http;
using System.Net.Sockets;
using Grpc.Net.Client;

namespace Hoist.Transport;

/// <summary>
/// The gRPC channel to one worker: over TCP to <c>address</c>; for a local worker that listens on a Unix domain
/// socket, over that socket (the address is then only the HTTP/2 authority, "http://localhost"); or over whatever
/// stream <c>connect</c> opens, such as a port-forward tunnel to a pod. A connection that cannot be opened fails
/// the call as never sent, so it can be sent again.
/// </summary>
internal static class WorkerChannels
{
    /// <summary>The authority a channel over a Unix socket sends; Kestrel ignores it.</summary>
    public static readonly Uri SocketAddress = new("http://localhost");

    public static GrpcChannel Create(Uri address, string? socketPath, Func<CancellationToken, ValueTask<Stream>>? connect = null)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
        };
        if (connect is not null)
        {
            handler.ConnectCallback = (_, cancellationToken) => connect(cancellationToken);
        }
        else if (socketPath is not null)
        {
            var endpoint = new UnixDomainSocketEndPoint(socketPath);
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return GrpcChannel.ForAddress(socketPath is null ? address : SocketAddress, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
    }
}

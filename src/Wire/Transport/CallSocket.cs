using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Hoist.Protocol;

namespace Hoist.Transport;

/// <summary>
/// A local worker's call socket: the Unix domain socket beside its gRPC one on which the same <c>CallFrame</c>s and
/// <c>CallResult</c>s as <c>Worker.InvokeStream</c> go as plain length-prefixed frames (<see cref="FrameReader{T}"/>),
/// without HTTP/2's framing, header tables and flow control between two processes of one user on one machine. The
/// first frame carries the deployment's token, and the worker reads nothing else before it matches. Calls over it
/// fail exactly as over the gRPC stream, so <see cref="CallStream"/> takes either (see <see cref="Open"/>).
/// </summary>
internal static class CallSocket
{
    /// <summary>What <c>sockaddr_un</c> holds of a path, its terminating zero left out.</summary>
    private const int MaxPathBytes = 107;

    /// <summary>
    /// The call socket of the worker whose gRPC socket is <paramref name="socketPath"/>, named after it so that the sweep
    /// of a dead process's files (<see cref="PrivateFolder.SweepStale"/>) removes both; null where that path would be
    /// too long for a socket, and the calls then ride the gRPC stream.
    /// </summary>
    public static string? PathFor(string socketPath)
    {
        var path = socketPath + ".calls";
        return Encoding.UTF8.GetByteCount(path) <= MaxPathBytes ? path : null;
    }

    /// <summary>
    /// A call stream over the socket at <paramref name="path"/>, shaped as gRPC's own; its reads block, so
    /// <see cref="CallStream"/> reads it on a thread of its own. A worker that is not there fails it as gRPC fails a
    /// refused connection: <see cref="StatusCode.Unavailable"/>, with the <see cref="SocketException"/> inside, so the
    /// call counts as never sent.
    /// </summary>
    public static AsyncDuplexStreamingCall<CallFrame, CallResult> Open(string path, string token)
    {
        var connection = new Connection(path, token);
        return new AsyncDuplexStreamingCall<CallFrame, CallResult>(
            connection,
            connection,
            Task.FromResult(new Metadata()),
            static () => Status.DefaultSuccess,
            static () => [],
            connection.Dispose);
    }

    private sealed class Connection : IClientStreamWriter<CallFrame>, IAsyncStreamReader<CallResult>, IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly FrameReader<CallResult> _reader;
        private readonly FrameWriter<CallFrame> _writer;
        private readonly RpcException? _notConnected;

        public Connection(string path, string token)
        {
            _reader = new FrameReader<CallResult>(_socket, CallResult.Parser, int.MaxValue);
            _writer = new FrameWriter<CallFrame>(_socket);
            try
            {
                _socket.Connect(new UnixDomainSocketEndPoint(path));
                _writer.WriteAsync(new CallFrame { Token = token }).GetAwaiter().GetResult();
            }
            catch (SocketException ex)
            {
                _notConnected = new RpcException(new Status(StatusCode.Unavailable, $"Could not connect to the worker's call socket {path}: {ex.Message}", ex));
            }
        }

        public CallResult Current => _reader.Current;

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(CallFrame message) => _notConnected is { } failed ? Task.FromException(failed) : _writer.WriteAsync(message);

        public Task CompleteAsync() => _writer.CompleteAsync();

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_notConnected is { } failed)
            {
                throw failed;
            }

            if (!await _reader.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            // Call id 0 is no call's: the worker refused the connection itself (a wrong token), and closes it.
            return _reader.Current is { CallId: 0, OutcomeCase: CallResult.OutcomeOneofCase.Refusal } refused
                ? throw new RpcException(new Status((StatusCode)refused.Refusal.StatusCode, refused.Refusal.Detail))
                : true;
        }

        public void Dispose() => _socket.Dispose();
    }
}

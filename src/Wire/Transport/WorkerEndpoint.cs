using Grpc.Core;
using Grpc.Net.Client;

namespace Hoist.Transport;

/// <summary>
/// One worker as the caller sees it: a reused gRPC channel, the token header, and a count of calls in
/// flight. <see cref="Lost"/> fires when the backend sees the worker die, failing its calls at once.
/// </summary>
internal sealed class WorkerEndpoint : IDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private readonly Lock _streamLock = new();
    private readonly string _token;
    private readonly string? _callSocketPath;
    private CallStream? _stream;
    private int _inFlight;
    private int _draining;

    // socketPath: the worker's Unix domain socket, when it listens on one instead of on address.
    // connect: opens each connection instead (a port-forward tunnel); address is then only the HTTP/2 authority.
    public WorkerEndpoint(string service, string replica, int rank, Uri address, string token, string? socketPath = null, Func<CancellationToken, ValueTask<Stream>>? connect = null)
    {
        Service = service;
        Replica = replica;
        Rank = rank;
        Address = socketPath is null ? address : Transport.WorkerChannels.SocketAddress;
        SocketPath = socketPath;
        Channel = Transport.WorkerChannels.Create(address, socketPath, connect);
        Client = new Protocol.Worker.WorkerClient(Channel);
        Headers = new Metadata { { Protocol.WorkerProtocol.TokenHeader, token } };
        _token = token;
        _callSocketPath = socketPath is null ? null : Transport.CallSocket.PathFor(socketPath);
    }

    public string Service { get; }

    public string Replica { get; }

    public int Rank { get; }

    public Uri Address { get; }

    /// <summary>The Unix domain socket the worker listens on; null when it is reached over TCP at <see cref="Address"/>.</summary>
    public string? SocketPath { get; }

    /// <summary>
    /// The private folder this caller and the worker share for large payloads (see <see cref="Transport.SharedRegions"/>);
    /// null when they share no memory, as with a pod or the TCP transport.
    /// </summary>
    public string? SharedMemoryFolder { get; init; }

    /// <summary>Payloads of at least this many bytes go through <see cref="SharedMemoryFolder"/>.</summary>
    public int SharedMemoryThreshold { get; init; } = int.MaxValue;

    public GrpcChannel Channel { get; }

    public Protocol.Worker.WorkerClient Client { get; }

    public Metadata Headers { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// The worker's call stream, opened on first use and again after it ended; see <see cref="Transport.CallStream"/>. For a
    /// worker on a Unix socket it rides the call socket beside it (<see cref="Transport.CallSocket"/>).
    /// </summary>
    public CallStream CallStream
    {
        get
        {
            var stream = Volatile.Read(ref _stream);
            if (stream is { HasEnded: false })
            {
                return stream;
            }

            lock (_streamLock)
            {
                if (_stream is null || _stream.HasEnded)
                {
                    _stream?.Dispose();
                    // A local worker's calls go as plain frames on its call socket; any other worker's, on its gRPC stream.
                    _stream = _callSocketPath is { } path
                        ? new CallStream(Transport.CallSocket.Open(path, _token), readsBlock: true)
                        : new CallStream(Client.InvokeStream(Headers));
                }

                return _stream;
            }
        }
    }

    public CancellationToken Lost => _lost.Token;

    /// <summary>Why the worker was lost, for the error its callers see.</summary>
    public string? LostReason { get; private set; }

    /// <summary>Out of rotation and about to stop: a call it refuses may be retried elsewhere.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    public void MarkDraining() => Volatile.Write(ref _draining, 1);

    public void BeginCall() => Interlocked.Increment(ref _inFlight);

    public void EndCall() => Interlocked.Decrement(ref _inFlight);

    /// <summary>The worker is gone: fails every call still on its channel, and any later one, at once.</summary>
    public void MarkLost(string reason)
    {
        LostReason ??= reason;
        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        DisposeTransport();
    }

    /// <summary>Marks the worker lost when a call failed because its connection broke or was refused.</summary>
    public void MarkLostIfUnreachable(Exception exception)
    {
        if (exception is RpcException { StatusCode: StatusCode.Unavailable } rpc && !Lost.IsCancellationRequested)
        {
            MarkLost($"its connection failed: {rpc.Status.Detail}");
        }
    }

    /// <summary>Nothing accepted the connection, so the request was never sent.</summary>
    public static bool IsConnectionRefused(Exception exception)
    {
        for (var inner = (exception as RpcException)?.Status.DebugException ?? exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            // A Unix socket whose file is gone fails with AddressNotAvailable (ENOENT), one nobody listens on with
            // ConnectionRefused, as a TCP port does.
            if (inner is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.AddressNotAvailable }
                or Transport.WorkerNotReachedException)
            {
                return true;
            }
        }

        return false;
    }

    // _lost is not disposed: a call or stream still running reads Lost after the backend has disposed a lost
    // endpoint, and the token of a disposed source throws ObjectDisposedException instead of reporting the loss.
    // A source with no timer and no linked tokens holds nothing that needs disposing.
    public void Dispose() => DisposeTransport();

    private void DisposeTransport()
    {
        lock (_streamLock)
        {
            _stream?.Dispose();
        }

        Channel.Dispose();
    }
}

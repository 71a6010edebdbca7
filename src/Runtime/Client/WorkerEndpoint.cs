using System.Net.Http;
using Grpc.Core;
using Grpc.Net.Client;

namespace Hoist.Client;

/// <summary>
/// One worker as the caller sees it: a reused gRPC channel, the token header, and a count of calls in
/// flight. <see cref="Lost"/> fires when the backend sees the worker die, failing its calls at once.
/// </summary>
internal sealed class WorkerEndpoint : IDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private readonly Lock _streamLock = new();
    private CallStream? _stream;
    private int _inFlight;
    private int _draining;

    public WorkerEndpoint(string service, string replica, int rank, Uri address, string token)
    {
        Service = service;
        Replica = replica;
        Rank = rank;
        Address = address;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingDelay = TimeSpan.FromSeconds(15),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            },
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        Client = new Protocol.Worker.WorkerClient(Channel);
        Headers = new Metadata { { Worker.WorkerService.TokenHeader, token } };
    }

    public string Service { get; }

    public string Replica { get; }

    public int Rank { get; }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public Protocol.Worker.WorkerClient Client { get; }

    public Metadata Headers { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The worker's call stream, opened on first use and again after it ended; see <see cref="Client.CallStream"/>.</summary>
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
                    _stream = new CallStream(Client, Headers);
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
            if (inner is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        DisposeTransport();
        _lost.Dispose();
    }

    private void DisposeTransport()
    {
        lock (_streamLock)
        {
            _stream?.Dispose();
        }

        Channel.Dispose();
    }
}

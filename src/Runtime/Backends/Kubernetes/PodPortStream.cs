using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// One TCP connection to a pod's port, carried by a port-forward WebSocket from the API server, as a
/// <see cref="Stream"/>. Reads return the data channel's bytes; text on the error channel (the kubelet's
/// "error forwarding port ... connection refused") becomes an <see cref="IOException"/> once the stream ends, a
/// <see cref="Transport.WorkerNotReachedException"/> when the pod never sent a byte: the kubelet could not connect
/// to the worker, so nothing written reached it (a gRPC server answers a connection's preface with its settings before it reads
/// any call on it).
/// Fully asynchronous: no thread waits on a read. One reader and one writer at a time, as a relay uses it.
/// </summary>
internal sealed class PodPortStream(WebSocket socket, string target) : Stream
{
    // A frame of data, plus the channel byte in front of it.
    private const int MaxFrame = 64 * 1024;

    private readonly PortForwardDecoder _decoder = new();
    private readonly byte[] _receive = new byte[MaxFrame];
    private readonly StringBuilder _errors = new();
    private int _pendingOffset;
    private int _pendingCount;
    private bool _ended;
    private bool _received;
    private Task<WebSocketReceiveResult>? _receiving;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pendingCount == 0 && !_ended)
        {
            var receive = _receiving ?? socket.ReceiveAsync(_receive, cancellationToken);
            _receiving = null;
            await TakeAsync(receive).ConfigureAwait(false);
        }

        if (_pendingCount == 0)
        {
            return _errors.Length == 0 ? 0
                : _received ? throw new IOException($"Port-forward to {target} failed: {_errors}")
                : throw NotReached();
        }

        var n = Math.Min(buffer.Length, _pendingCount);
        _receive.AsMemory(_pendingOffset, n).CopyTo(buffer);
        _pendingOffset += n;
        _pendingCount -= n;
        return n;
    }

    /// <summary>
    /// Waits up to <paramref name="grace"/> for the kubelet to say it could not reach the pod's port, which it does
    /// right after the port headers, once its dial failed; the tunnel carries no "connected" signal, so a quiet
    /// grace is taken as connected. A refusal throws <see cref="Transport.WorkerNotReachedException"/> before anything
    /// was written, so the connection (and the call waiting for it) fails as never sent.
    /// </summary>
    public async Task ProbeAsync(TimeSpan grace, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (_pendingCount == 0 && !_ended && _errors.Length == 0)
        {
            // A WebSocket receive cannot be cancelled without aborting the socket: one that outlives the grace is
            // kept for the first read.
            var receive = _receiving ?? socket.ReceiveAsync(_receive, CancellationToken.None);
            _receiving = null;
            var left = grace - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || await Task.WhenAny(receive, Task.Delay(left, time, cancellationToken)).ConfigureAwait(false) != receive)
            {
                _receiving = receive;
                cancellationToken.ThrowIfCancellationRequested();
                return;
            }

            await TakeAsync(receive).ConfigureAwait(false);
        }

        if (_pendingCount == 0 && (_ended || _errors.Length > 0))
        {
            throw NotReached();
        }
    }

    private Transport.WorkerNotReachedException NotReached() =>
        new($"Port-forward to {target} failed before the worker answered: {(_errors.Length > 0 ? _errors.ToString() : "the tunnel closed")}");

    /// <summary>Takes one received frame: its data becomes readable, its error text is kept, a close ends the stream.</summary>
    private async Task TakeAsync(Task<WebSocketReceiveResult> receive)
    {
        WebSocketReceiveResult result;
        try
        {
            result = await receive.ConfigureAwait(false);
        }
        catch (WebSocketException ex) when (ex.WebSocketErrorCode == WebSocketError.ConnectionClosedPrematurely)
        {
            _ended = true;
            return;
        }

        if (result.MessageType == WebSocketMessageType.Close)
        {
            _ended = true;
            return;
        }

        var (channel, offset, count) = _decoder.Feed(_receive.AsSpan(0, result.Count), result.EndOfMessage);
        if (channel == PortForwardDecoder.DataChannel)
        {
            (_pendingOffset, _pendingCount) = (offset, count);
            _received = true;
        }
        else if (channel == PortForwardDecoder.ErrorChannel)
        {
            _errors.Append(Encoding.UTF8.GetString(_receive, offset, count));
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var frame = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length, MaxFrame) + 1);
        try
        {
            frame[0] = PortForwardDecoder.DataChannel;
            while (!buffer.IsEmpty)
            {
                var n = Math.Min(buffer.Length, MaxFrame);
                buffer.Span[..n].CopyTo(frame.AsSpan(1));
                await socket.SendAsync(frame.AsMemory(0, n + 1), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                buffer = buffer[n..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                // The other side is already gone; nothing to say goodbye to.
            }
        }

        socket.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            socket.Dispose();
        }

        base.Dispose(disposing);
    }
}

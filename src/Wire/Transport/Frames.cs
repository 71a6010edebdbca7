using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;

namespace Hoist.Transport;

/// <summary>
/// Protobuf messages on a local socket, each behind its length as four bytes, little-endian: how a worker's call socket
/// (<see cref="CallSocket"/>) carries <c>CallFrame</c> and <c>CallResult</c>. It reads as gRPC's stream reader does, so the
/// caller's <see cref="CallStream"/> and the worker's loop over a call stream serve both transports.
/// </summary>
/// <remarks>
/// Reads block: each end reads on a thread of its own, which the kernel wakes straight from <c>recv</c> when a frame
/// arrives, instead of an event loop that wakes a pool thread, which wakes another. <see cref="MoveNext"/> therefore
/// completes synchronously; <paramref name="socket"/>'s receive side is shut down when its token fires, so a stopping
/// reader never waits for a frame.
/// </remarks>
internal sealed class FrameReader<T>(Socket socket, MessageParser<T> parser, int maxFrameBytes) : IAsyncStreamReader<T>
    where T : IMessage<T>
{
    private const int PrefixBytes = 4;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public T Current { get; private set; } = default!;

    /// <summary>The longest frame read; a reader may accept more once its peer is admitted.</summary>
    public int MaxFrameBytes { get; set; } = maxFrameBytes;

    /// <summary>
    /// The next message; false when the stream ended between two messages. A stream that ends inside one, or a length
    /// over <see cref="MaxFrameBytes"/>, throws <see cref="InvalidDataException"/> before anything of it is parsed; a fired
    /// <paramref name="cancellationToken"/>, <see cref="OperationCanceledException"/>.
    /// </summary>
    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        using var stop = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ShutDownReceiving((Socket)s!), socket) : default;
        if (!Fill(PrefixBytes))
        {
            cancellationToken.ThrowIfCancellationRequested();
            return _end == _start ? Task.FromResult(false) : throw Truncated();
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
        if (length > (uint)MaxFrameBytes)
        {
            throw new InvalidDataException($"A frame of {length} bytes is over the {MaxFrameBytes} bytes this end accepts (Hoist:MaxRequestBytes).");
        }

        if (!Fill(PrefixBytes + (int)length))
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw Truncated();
        }

        Current = parser.ParseFrom(_buffer.AsSpan(_start + PrefixBytes, (int)length));
        _start += PrefixBytes + (int)length;
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer.Length > 1024 * 1024)
            {
                _buffer = new byte[64 * 1024]; // A big frame passed: its buffer goes with it.
            }
        }

        return Task.FromResult(true);
    }

    private InvalidDataException Truncated() => new($"The stream ended inside a frame, {_end - _start} bytes into it.");

    /// <summary>Reads until <paramref name="count"/> bytes from <see cref="_start"/> are buffered; false if the stream ended first.</summary>
    private bool Fill(int count)
    {
        if (_start + count > _buffer.Length)
        {
            var larger = count > _buffer.Length ? new byte[Math.Max(count, _buffer.Length * 2)] : _buffer;
            _buffer.AsSpan(_start, _end - _start).CopyTo(larger);
            (_buffer, _end, _start) = (larger, _end - _start, 0);
        }

        while (_end - _start < count)
        {
            AwaitData();
            var read = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }

    /// <summary>
    /// Before blocking in <c>recv</c>, a reader polls its socket this long: while calls come back to back, the next frame
    /// is usually there within it, and a thread that never slept needs no wake-up (on a VM, an interrupt to another
    /// CPU). It costs at most this much CPU per gap between frames; a reader with nothing to read sleeps after it.
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency * 50 / 1_000_000;

    private void AwaitData()
    {
        var start = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        while (socket.Available == 0 && Stopwatch.GetTimestamp() - start < SpinTicks)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private static void ShutDownReceiving(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}

/// <summary>
/// The writing half of <see cref="FrameReader{T}"/>: one message per call, sent before it returns (a local socket's
/// buffer takes a small frame at once). Writes must not overlap; both ends already write one frame at a time, as a
/// gRPC stream requires.
/// </summary>
internal sealed class FrameWriter<T>(Socket socket) : IServerStreamWriter<T>, IClientStreamWriter<T>
    where T : IMessage<T>
{
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        var length = message.CalculateSize();
        var frame = ArrayPool<byte>.Shared.Rent(length + 4);
        try
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)length);
            message.WriteTo(frame.AsSpan(4, length));
            var sent = 0;
            while (sent < length + 4)
            {
                sent += socket.Send(frame, sent, length + 4 - sent, SocketFlags.None);
            }

            return Task.CompletedTask;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return Task.FromException(ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public Task CompleteAsync()
    {
        socket.Shutdown(SocketShutdown.Send);
        return Task.CompletedTask;
    }
}

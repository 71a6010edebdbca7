using System.Buffers.Binary;
using System.ComponentModel;

namespace Hoist.Serialization;

/// <summary>Reads the values a <see cref="PayloadWriter"/> wrote, in the same order and with the same declared types.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct PayloadReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private readonly ReadOnlyMemory<byte> _memory;
    private int _position;

    public PayloadReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
        _position = 0;
    }

    /// <summary>A reader that knows the memory it reads, so a <c>ReadOnlyMemory&lt;T&gt;</c> argument can be a view of it.</summary>
    public PayloadReader(ReadOnlyMemory<byte> payload)
        : this(payload.Span)
    {
        _memory = payload;
    }

    public readonly int Remaining => _payload.Length - _position;

    /// <summary>The memory read, when the reader was given it (a dispatcher's arguments); else empty.</summary>
    internal readonly ReadOnlyMemory<byte> Memory => _memory;

    internal readonly int Position => _position;

    public T Read<T>() => PayloadCodec<T>.Instance.Read(ref this);

    /// <summary>Fails when bytes are left over: the payload was written for another signature.</summary>
    public readonly void EnsureEnd()
    {
        if (_position != _payload.Length)
        {
            throw new PayloadFormatException($"The payload has {Remaining} unread byte(s) after the last argument.");
        }
    }

    internal ReadOnlySpan<byte> ReadBytes(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new PayloadFormatException($"The payload ended early: {what} needs {count} byte(s), {Remaining} left.");
        }

        var bytes = _payload.Slice(_position, count);
        _position += count;
        return bytes;
    }

    internal ulong ReadVarUInt(string what)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadBytes(1, what)[0];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new PayloadFormatException($"The payload has a malformed length for {what}.");
    }

    internal int ReadLength(string what) => BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4, what));
}

/// <summary>The payload does not match the declared types; the worker answers gRPC InvalidArgument.</summary>
public sealed class PayloadFormatException(string message, Exception? innerException = null) : Exception(message, innerException);

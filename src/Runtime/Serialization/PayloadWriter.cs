using System.Buffers;
using System.Buffers.Binary;
using System.ComponentModel;

namespace Hoist.Serialization;

/// <summary>
/// Writes a call's arguments or result as a flat sequence of values, with no type names: the reader knows
/// the declared types. Buffers are pooled on the caller's side and handed over whole on the worker's side.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PayloadWriter : IBufferWriter<byte>, IDisposable
{
    private const int InitialCapacity = 256;

    private readonly bool _pooled;
    private byte[] _buffer;
    private int _written;

    /// <summary>A pooled writer; dispose it once <see cref="WrittenMemory"/> is no longer used.</summary>
    public PayloadWriter()
        : this(pooled: true)
    {
    }

    internal PayloadWriter(bool pooled)
    {
        _pooled = pooled;
        _buffer = pooled ? ArrayPool<byte>.Shared.Rent(InitialCapacity) : GC.AllocateUninitializedArray<byte>(InitialCapacity);
    }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public int WrittenCount => _written;

    public void Write<T>(T value) => PayloadCodec<T>.Instance.Write(this, value);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsSpan(_written);
    }

    internal void WriteVarUInt(ulong value)
    {
        var span = GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        Advance(i);
    }

    /// <summary>Reserves a 4-byte length to fill in once the value after it is written.</summary>
    internal int ReserveLength()
    {
        var position = _written;
        GetSpan(4);
        Advance(4);
        return position;
    }

    internal void CompleteLength(int position) =>
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(position, 4), _written - position - 4);

    public void Dispose()
    {
        if (_pooled && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = [];
        _written = 0;
    }

    private void EnsureCapacity(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        // Grow to exactly what is needed when that is more than doubling, so a single large array
        // (the common big payload) lands in a buffer of its own size and is never copied again.
        var newSize = Math.Max(_written + sizeHint, _buffer.Length * 2);
        var newBuffer = _pooled ? ArrayPool<byte>.Shared.Rent(newSize) : GC.AllocateUninitializedArray<byte>(newSize);
        _buffer.AsSpan(0, _written).CopyTo(newBuffer);
        if (_pooled && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = newBuffer;
    }
}

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

    // Arrays of primitives of at least this many bytes are referred to rather than copied: a shared-memory region is
    // written straight from them (one copy), and only an inline payload joins them into one block (the copy this saves).
    internal const int ReferencedArrayBytes = 64 * 1024;

    private readonly bool _pooled;
    private byte[] _buffer;
    private int _written;
    private List<(int Position, PayloadPiece Array)>? _arrays;
    private long _arrayBytes;
    private byte[]? _joined;

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

    /// <summary>The payload in one block; a payload that refers to large arrays is joined once, on the first use.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _arrays is null ? _buffer.AsMemory(0, _written) : _joined ??= PayloadPieces.Join(Pieces(), GC.AllocateUninitializedArray<byte>(WrittenCount));

    public int WrittenCount => _arrays is null ? _written : checked(_written + (int)_arrayBytes);

    /// <summary>The payload as its pieces, in order, for a write that gathers them (see <see cref="PayloadPieces"/>).</summary>
    internal PayloadPiece[] Pieces()
    {
        if (_arrays is null)
        {
            return [new PayloadPiece(_buffer.AsMemory(0, _written))];
        }

        var pieces = new List<PayloadPiece>((_arrays.Count * 2) + 1);
        var start = 0;
        foreach (var (position, array) in _arrays)
        {
            if (position > start)
            {
                pieces.Add(new PayloadPiece(_buffer.AsMemory(start, position - start)));
            }

            pieces.Add(array);
            start = position;
        }

        if (_written > start)
        {
            pieces.Add(new PayloadPiece(_buffer.AsMemory(start, _written - start)));
        }

        return [.. pieces];
    }

    /// <summary>
    /// The elements of an array or memory of primitives: copied when small, referred to when large (the caller must not
    /// change them until the call has ended, as with a socket's send buffer).
    /// </summary>
    internal void WriteElements<T>(ReadOnlyMemory<T> elements)
        where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(elements.Span);
        if (bytes.Length < ReferencedArrayBytes)
        {
            bytes.CopyTo(GetSpan(bytes.Length));
            Advance(bytes.Length);
            return;
        }

        (_arrays ??= []).Add((_written, PayloadPiece.Of(elements)));
        _arrayBytes += bytes.Length;
        _joined = null;
    }

    /// <summary>The payload for a dispatcher to return: its one block, or its pieces when it refers to large arrays.</summary>
    internal ReadOnlyMemory<byte> Detach() => _arrays is null ? WrittenMemory : new PayloadPieces(Pieces()).Memory;

    public void Write<T>(T value) => PayloadCodec<T>.Instance.Write(this, value);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
        _joined = null;
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
        _arrays = null;
        _arrayBytes = 0;
        _joined = null;
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

using System.Buffers;
using System.Runtime.InteropServices;

namespace Hoist.Serialization;

/// <summary>
/// One piece of a payload: bytes the writer copied into its buffer, or the elements of a large array (or memory) of
/// primitives it only refers to, so that a shared-memory region can be written straight from the caller's (or the
/// method's) elements, one copy.
/// </summary>
internal readonly struct PayloadPiece
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly bool _elements;

    public PayloadPiece(ReadOnlyMemory<byte> bytes)
    {
        _bytes = bytes;
    }

    private PayloadPiece(ReadOnlyMemory<byte> bytes, bool elements)
    {
        _bytes = bytes;
        _elements = elements;
    }

    public int Length => _bytes.Length;

    /// <summary>The piece's bytes: elements as they are in memory, little-endian, as the codec would copy them.</summary>
    public ReadOnlySpan<byte> Span => _bytes.Span;

    /// <summary>A piece that refers to <paramref name="elements"/>, wherever they are (an array, a mapped region, native memory).</summary>
    public static PayloadPiece Of<T>(ReadOnlyMemory<T> elements)
        where T : unmanaged =>
        new(new ElementBytes<T>(elements).Memory, elements: true);

    /// <summary>
    /// The bytes as memory a gathering write (pwritev) may pin, when the piece is a buffer's; elements are written from
    /// their span instead, since they may not be pinnable memory (a view of a mapping).
    /// </summary>
    public bool TryGetMemory(out ReadOnlyMemory<byte> memory)
    {
        memory = _bytes;
        return !_elements;
    }

    /// <summary>Elements of any primitive type as their bytes, without a copy.</summary>
    private sealed class ElementBytes<T>(ReadOnlyMemory<T> elements) : MemoryManager<byte>
        where T : unmanaged
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(MemoryMarshal.AsMemory(elements).Span);

        // Nothing Hoist does pins a piece (see TryGetMemory); anyone else gets a pinned copy, which reads the same.
        public override MemoryHandle Pin(int elementIndex = 0) => GetSpan()[elementIndex..].ToArray().AsMemory().Pin();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}

/// <summary>
/// A payload made of pieces, carried as the <see cref="ReadOnlyMemory{T}"/> a dispatcher returns: a shared-memory write
/// takes its pieces one by one (<see cref="Of"/>), and anything that needs the bytes in one block (an inline answer)
/// gets them joined, once, as the codec's copy would have made them.
/// </summary>
internal sealed class PayloadPieces : MemoryManager<byte>
{
    private readonly PayloadPiece[] _pieces;
    private readonly int _length;
    private byte[]? _joined;

    public PayloadPieces(PayloadPiece[] pieces)
    {
        _pieces = pieces;
        _length = pieces.Sum(p => p.Length);
    }

    /// <summary>The pieces of <paramref name="payload"/>: its own when it was made of them, else the one block it is.</summary>
    public static IReadOnlyList<PayloadPiece> Of(ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetMemoryManager<byte, PayloadPieces>(payload, out var pieces, out var start, out var length) && start == 0 && length == pieces._length
            ? pieces._pieces
            : [new PayloadPiece(payload)];

    /// <summary>Every piece's bytes in one block, in order.</summary>
    public static byte[] Join(IReadOnlyList<PayloadPiece> pieces, byte[] into)
    {
        var offset = 0;
        foreach (var piece in pieces)
        {
            piece.Span.CopyTo(into.AsSpan(offset));
            offset += piece.Length;
        }

        return into;
    }

    public override Span<byte> GetSpan() => Joined();

    public override MemoryHandle Pin(int elementIndex = 0) => Joined().AsMemory(elementIndex).Pin();

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }

    private byte[] Joined() => _joined ??= Join(_pieces, GC.AllocateUninitializedArray<byte>(_length));
}

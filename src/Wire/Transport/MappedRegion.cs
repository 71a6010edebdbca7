using System.Buffers;
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hoist.Protocol;
using Hoist.Serialization;

namespace Hoist.Transport;

/// <summary>
/// A region's payload as memory over the file's own pages (mmap), for a worker to read a call's arguments from: the
/// codec's copy into the parameter (a float[], say) is then the only copy on this side, where reading the file into a
/// buffer first made two. Checked as <see cref="SharedRegions.Read"/> checks (the user's own file, long enough, the
/// tag before and after the bytes). The mapping lives until the call has ended and is disposed before it is answered, so
/// the caller, which reuses a file only after the answer, never changes it under the mapping.
/// </summary>
internal sealed class MappedRegion : MemoryManager<byte>, IElementViews
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly nint _payload;
    private readonly int _length;
    private bool _disposed;

    private MappedRegion(MemoryMappedFile file, MemoryMappedViewAccessor view, int length)
    {
        _file = file;
        _view = view;
        _payload = view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)view.PointerOffset + SharedRegions.HeaderSize;
        _length = length;
    }

    /// <summary>A <c>ReadOnlyMemory&lt;T&gt;</c> argument's elements, read in place for as long as this mapping lives.</summary>
    public ReadOnlyMemory<T> View<T>(int byteOffset, int count)
        where T : unmanaged => new MappedElements<T>(this, byteOffset, count).Memory;

    /// <summary>Maps <paramref name="region"/> of <paramref name="folder"/>; fails as <see cref="SharedRegions.Read"/> does.</summary>
    public static MappedRegion Map(string folder, SharedRegion region, long maxLength)
    {
        var name = SharedRegions.CheckName(region.Name);
        if (region.Length < 0 || region.Length > maxLength)
        {
            throw new InvalidDataException($"The shared-memory region {name} claims {region.Length} bytes; at most {maxLength} are accepted.");
        }

        using var handle = UnixFiles.OpenOwned(Path.Combine(folder, name), FileAccess.Read, out var facts);
        var fileLength = SharedRegions.HeaderSize + region.Length + SharedRegions.TrailerSize;
        SharedRegions.CheckHolds(name, facts.Length, fileLength);

        var file = MemoryMappedFile.CreateFromFile(handle, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        MappedRegion? mapped = null;
        try
        {
            mapped = new MappedRegion(file, file.CreateViewAccessor(0, fileLength, MemoryMappedFileAccess.Read), (int)region.Length);
            UnixFiles.PopulateForReading(mapped._payload - SharedRegions.HeaderSize, fileLength);
            var header = mapped.Bytes(-SharedRegions.HeaderSize, SharedRegions.HeaderSize);
            var trailer = mapped.Bytes(mapped._length, SharedRegions.TrailerSize);
            if (!SharedRegions.Frames(header, trailer, region.Tag))
            {
                throw SharedRegions.NotTheRegion(name);
            }

            return mapped;
        }
        catch
        {
            if (mapped is null)
            {
                file.Dispose();
            }
            else
            {
                ((IDisposable)mapped).Dispose();
            }

            throw;
        }
    }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Bytes(0, _length);
    }

    // A pinned view of mapped pages needs no pinning; a caller that asks (none of Hoist's readers does) gets a copy.
    public override MemoryHandle Pin(int elementIndex = 0) => GetSpan()[elementIndex..].ToArray().AsMemory().Pin();

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed)
        {
            _disposed = true;
            _view.Dispose();
            _file.Dispose();
        }
    }

    // The mapping as a span, with no unsafe code: a reference at the view's address, which stays mapped until Dispose.
    private Span<byte> Bytes(int offset, int length) =>
        MemoryMarshal.CreateSpan(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _payload + offset), length);
}

/// <summary>
/// A <c>ReadOnlyMemory&lt;T&gt;</c> argument as a view of the mapped region its elements are in: no copy at all. It is valid
/// for the call: the worker disposes the mapping only once the method's task has completed and its answer is written
/// (or, inline, copied out), and after that every <see cref="GetSpan"/> throws <see cref="ObjectDisposedException"/>, so
/// a method that keeps the memory past its call fails loudly when it reads it rather than read another call's bytes.
/// A method that needs the elements longer copies them (<c>ToArray()</c>). The elements may sit at any byte offset after
/// the count, so they can be unaligned, which x64 and Arm64 read at full speed.
/// </summary>
internal sealed class MappedElements<T>(MappedRegion region, int byteOffset, int count) : MemoryManager<T>
    where T : unmanaged
{
    public override Span<T> GetSpan() => MemoryMarshal.Cast<byte, T>(region.GetSpan().Slice(byteOffset, count * Unsafe.SizeOf<T>()));

    // As MappedRegion's: mapped pages need no pinning, and a caller that asks gets a pinned copy, which reads the same.
    public override MemoryHandle Pin(int elementIndex = 0) => GetSpan()[elementIndex..].ToArray().AsMemory().Pin();

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}

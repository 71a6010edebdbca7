using System.Buffers;
using System.Buffers.Binary;
using Hoist.Protocol;
using Hoist.Serialization;

namespace Hoist.Transport;

/// <summary>
/// Large payloads between a caller and a worker on the same machine: one file per payload in a private
/// folder on a memory file system (/dev/shm), written and read with one system call each (pwritev, preadv),
/// so the bytes are copied once each way instead of through protobuf, HTTP/2 frames and a socket.
/// The caller makes every file of a call and removes them all when the call ends, however it ends; the
/// files carry the caller's pid, so a caller that died leaves nothing the next one does not sweep. A file is
/// made with O_EXCL under a random name at 0600, and opened again only if it is the user's own and not a
/// symlink (<see cref="UnixFiles"/>), so nothing another user planted is ever written through or read.
/// </summary>
internal static class SharedRegions
{
    public const int HeaderSize = 16;
    public const int TrailerSize = 8;
    private const uint Magic = 0x314D5348; // "HSM1"

    // The errno values .NET gives as the HResult of an IOException on Unix, for a write the file system has no room for.
    private const int NoSpace = 28; // ENOSPC
    private const int FileTooLarge = 27; // EFBIG
    private const int QuotaExceeded = 122; // EDQUOT

    /// <summary>A new region name owned by this process, that no one can guess: <c>&lt;pid&gt;-&lt;random&gt;.&lt;kind&gt;</c>.</summary>
    public static string NewName(string kind) => PrivateFolder.OwnedName(kind);

    /// <summary>
    /// Writes <paramref name="payload"/> to the file <paramref name="name"/>: a new file (O_EXCL) when it is not
    /// there, else one of this user's own (a kept file, see <see cref="RegionPool"/>).
    /// </summary>
    public static SharedRegion Create(string folder, string name, ReadOnlyMemory<byte> payload) => Create(folder, name, PayloadPieces.Of(payload));

    /// <summary>As <see cref="Create(string, string, ReadOnlyMemory{byte})"/>, from a payload's pieces (large arrays written straight from themselves).</summary>
    public static SharedRegion Create(string folder, string name, IReadOnlyList<PayloadPiece> payload)
    {
        var path = Path.Combine(folder, name);
        return Write(folder, name, payload, UnixFiles.LStat(path).Exists ? UnixFiles.OpenOwned(path, FileAccess.Write, out _) : UnixFiles.CreateNew(path));
    }

    /// <summary>
    /// A caller's region for <paramref name="payload"/>, in a kept file or a new one. When it does not fit and files
    /// kept for reuse hold space in the folder, they are given up (they are only a cache) and it is tried once more.
    /// Throws what <see cref="Create(string, string, IReadOnlyList{PayloadPiece})"/> throws, with nothing left behind.
    /// </summary>
    public static SharedRegion Place(string folder, IReadOnlyList<PayloadPiece> payload)
    {
        for (var attempt = 0; ; attempt++)
        {
            var name = Rent(folder, makeEmpty: false, HeaderSize + payload.Sum(static piece => (long)piece.Length) + TrailerSize);
            try
            {
                return Create(folder, name, payload);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Delete(folder, name);
                if (attempt > 0 || ex is not SharedMemoryFullException || RegionPool.Drop(folder) == 0)
                {
                    throw;
                }
            }
        }
    }

    /// <summary>The free bytes of the file system that holds <paramref name="folder"/>, as statvfs tells this user; null when it will not say.</summary>
    public static long? FreeBytes(string folder)
    {
        try
        {
            return new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Makes an empty file for a worker to answer in; see <see cref="WriteExisting"/>.</summary>
    public static void CreateEmpty(string folder, string name)
    {
        using var handle = UnixFiles.CreateNew(Path.Combine(folder, name));
    }

    /// <summary>
    /// A file for a call: one kept from an earlier call (the best fit for <paramref name="wanted"/> bytes, see
    /// <see cref="RegionPool.TryRent"/>), or a new name (made empty when <paramref name="makeEmpty"/>).
    /// </summary>
    public static string Rent(string folder, bool makeEmpty, long wanted = 0)
    {
        if (RegionPool.TryRent(folder, wanted) is { } kept)
        {
            return kept;
        }

        var name = NewName("shm");
        if (makeEmpty)
        {
            CreateEmpty(folder, name);
        }

        return name;
    }

    /// <summary>
    /// The end of a call's use of a file: kept for the next call when the worker answered (so it is done with
    /// it), removed otherwise, since a worker that has not answered may still read or write it.
    /// </summary>
    public static void Release(string folder, string name, bool answered)
    {
        if (answered)
        {
            RegionPool.Return(folder, name);
        }
        else
        {
            Delete(folder, name);
        }
    }

    /// <summary>
    /// Writes into a file the other side made. Fails when it is gone: the caller stopped waiting for the
    /// call and removed it, so nothing is left behind for no one.
    /// </summary>
    public static SharedRegion WriteExisting(string folder, string name, ReadOnlyMemory<byte> payload) =>
        Write(folder, name, PayloadPieces.Of(payload), UnixFiles.OpenOwned(Path.Combine(folder, CheckName(name)), FileAccess.Write, out _));

    /// <summary>
    /// Reads a region into a pooled buffer (return it with <see cref="Return"/>). Fails loudly, with an
    /// <see cref="InvalidDataException"/>, when the file is not the region described: another length, another
    /// tag, or cut short.
    /// </summary>
    public static byte[] Read(string folder, SharedRegion region, long maxLength)
    {
        var name = CheckName(region.Name);
        if (region.Length < 0 || region.Length > maxLength)
        {
            throw new InvalidDataException($"The shared-memory region {name} claims {region.Length} bytes; at most {maxLength} are accepted.");
        }

        var length = (int)region.Length;
        using var handle = UnixFiles.OpenOwned(Path.Combine(folder, name), FileAccess.Read, out var facts);
        var regionLength = HeaderSize + (long)length + TrailerSize;
        CheckHolds(name, facts.Length, regionLength);

        var header = new byte[HeaderSize];
        var trailer = new byte[TrailerSize];
        var payload = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var read = RandomAccess.Read(handle, new Memory<byte>[] { header, payload.AsMemory(0, length), trailer }, 0);
            if (read != regionLength
                || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic
                || BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8)) != region.Tag
                || BinaryPrimitives.ReadUInt64LittleEndian(trailer) != region.Tag)
            {
                throw new InvalidDataException($"The shared-memory region {name} is not the one its handle describes (its header or trailer does not carry the tag): it was overwritten or not completely written.");
            }

            return payload;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(payload);
            throw;
        }
    }

    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);

    /// <summary>
    /// Reads a region that holds one array of primitives straight into the array: a count (as
    /// <c>BlittableArrayCodec</c> writes it: count + 1 as a varint, 0 for null), then the elements. One copy
    /// instead of two, for the large results that come back through shared memory. The same checks as
    /// <see cref="Read"/>, and the count must account for the region's exact length.
    /// </summary>
    public static T[]? ReadArray<T>(string folder, SharedRegion region)
        where T : unmanaged
    {
        var name = CheckName(region.Name);
        using var handle = UnixFiles.OpenOwned(Path.Combine(folder, name), FileAccess.Read, out var facts);
        if (region.Length < 1)
        {
            throw new InvalidDataException($"The shared-memory region {name} claims {region.Length} bytes; an array takes at least 1.");
        }

        CheckHolds(name, facts.Length, HeaderSize + region.Length + TrailerSize);

        Span<byte> start = stackalloc byte[HeaderSize + 10];
        var read = RandomAccess.Read(handle, start[..(int)Math.Min(start.Length, HeaderSize + region.Length)], 0);
        if (read < HeaderSize + 1 || BinaryPrimitives.ReadUInt32LittleEndian(start) != Magic || BinaryPrimitives.ReadUInt64LittleEndian(start[8..]) != region.Tag)
        {
            throw NotTheRegion(name);
        }

        ulong header = 0;
        var countLength = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (HeaderSize + countLength >= read || shift > 63)
            {
                throw new InvalidDataException($"The shared-memory region {name} does not start with an array's length.");
            }

            var b = start[HeaderSize + countLength++];
            header |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        var size = (ulong)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var count = header == 0 ? 0 : header - 1;
        if ((ulong)region.Length != (ulong)countLength + (count * size) || count > int.MaxValue)
        {
            throw new InvalidDataException($"The shared-memory region {name} holds {region.Length} bytes, not a {typeof(T).Name}[] of {count} element(s).");
        }

        var array = header == 0 ? null : GC.AllocateUninitializedArray<T>((int)count);
        var elements = array is null ? [] : System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.AsSpan());
        Span<byte> trailer = stackalloc byte[TrailerSize];
        var offset = HeaderSize + countLength;
        if (ReadFully(handle, elements, offset) != elements.Length
            || ReadFully(handle, trailer, offset + elements.Length) != TrailerSize
            || BinaryPrimitives.ReadUInt64LittleEndian(trailer) != region.Tag)
        {
            throw NotTheRegion(name);
        }

        return array;
    }

    private static int ReadFully(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>
    /// Fails unless a file of <paramref name="fileLength"/> bytes holds a region of <paramref name="regionLength"/>: a
    /// kept file may be longer than the region in it (see <see cref="RegionPool"/>), never shorter.
    /// </summary>
    internal static void CheckHolds(string name, long fileLength, long regionLength)
    {
        if (fileLength < regionLength)
        {
            throw new InvalidDataException($"The shared-memory region {name} is {fileLength} bytes long, shorter than the {regionLength} its handle describes.");
        }
    }

    /// <summary>True when a region's header and trailer carry <paramref name="tag"/>: it was written whole, for this call.</summary>
    internal static bool Frames(ReadOnlySpan<byte> header, ReadOnlySpan<byte> trailer, ulong tag) =>
        BinaryPrimitives.ReadUInt32LittleEndian(header) == Magic
        && BinaryPrimitives.ReadUInt64LittleEndian(header[8..]) == tag
        && BinaryPrimitives.ReadUInt64LittleEndian(trailer) == tag;

    internal static InvalidDataException NotTheRegion(string name) =>
        new($"The shared-memory region {name} is not the one its handle describes (its header or trailer does not carry the tag): it was overwritten or not completely written.");

    /// <summary>Removes a region's file; a file already gone is fine.</summary>
    public static void Delete(string folder, string name)
    {
        try
        {
            File.Delete(Path.Combine(folder, name));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Fills an opened region file: planned first, so a region that plainly does not fit the folder's free space is
    /// never begun, and emptied when the write runs out of space midway, so a failed region holds no memory. Both throw
    /// <see cref="SharedMemoryFullException"/>.
    /// </summary>
    private static SharedRegion Write(string folder, string name, IReadOnlyList<PayloadPiece> payload, Microsoft.Win32.SafeHandles.SafeFileHandle opened)
    {
        var payloadLength = payload.Sum(static piece => (long)piece.Length);
        var tag = (ulong)Random.Shared.NextInt64() ^ ((ulong)Random.Shared.Next() << 63);
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), tag);
        var trailer = new byte[TrailerSize];
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, tag);
        using (var handle = opened)
        {
            // A kept file may be longer than this region: it stays so, its pages ready for a larger call (see RegionPool).
            var total = HeaderSize + payloadLength + TrailerSize;
            var existing = RandomAccess.GetLength(handle);
            var growth = total - existing;
            var free = growth > 0 ? FreeBytes(folder) : null;
            if (free is { } available && growth > available)
            {
                throw new SharedMemoryFullException(folder, growth, free, midway: false);
            }

            try
            {
                WritePieces(handle, header, payload, trailer);
            }
            catch (IOException ex)
            {
                Empty(handle);
                if (ex.HResult is NoSpace or QuotaExceeded or FileTooLarge)
                {
                    throw new SharedMemoryFullException(folder, growth, free, midway: true, ex);
                }

                throw;
            }
        }

        return new SharedRegion { Name = name, Length = payloadLength, Tag = tag };
    }

    /// <summary>
    /// The header, the payload's pieces and the trailer, in order: one pwritev when every piece is a buffer, else one
    /// pwrite per piece, each straight from where the bytes are (an array's elements included), so nothing is copied twice.
    /// </summary>
    private static void WritePieces(Microsoft.Win32.SafeHandles.SafeFileHandle handle, byte[] header, IReadOnlyList<PayloadPiece> payload, byte[] trailer)
    {
        var buffers = new ReadOnlyMemory<byte>[payload.Count + 2];
        buffers[0] = header;
        buffers[^1] = trailer;
        var gathered = true;
        for (var i = 0; i < payload.Count && gathered; i++)
        {
            gathered = payload[i].TryGetMemory(out buffers[i + 1]);
        }

        if (gathered)
        {
            RandomAccess.Write(handle, buffers, 0);
            return;
        }

        RandomAccess.Write(handle, header, 0);
        long offset = HeaderSize;
        foreach (var piece in payload)
        {
            RandomAccess.Write(handle, piece.Span, offset);
            offset += piece.Length;
        }

        RandomAccess.Write(handle, trailer, offset);
    }

    /// <summary>Gives a region's memory back to the folder; the file itself is the caller's to remove or keep.</summary>
    private static void Empty(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        try
        {
            RandomAccess.SetLength(handle, 0);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A region is named by a plain file name in the folder the backend set: never a path out of it.</summary>
    internal static string CheckName(string name) =>
        name.Length > 0 && name.Length <= 128 && name.IndexOfAny(['/', '\\', '\0']) < 0 && name is not ("." or "..")
            ? name
            : throw new InvalidDataException($"'{name}' is not a shared-memory region name.");
}

using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Hoist.Serialization;

/// <summary>Writes and reads one declared type. Chosen once per type, so the call path only does the work.</summary>
internal abstract class PayloadCodec<T>
{
    public static readonly PayloadCodec<T> Instance = PayloadCodecFactory.Create<T>();

    public abstract void Write(PayloadWriter writer, T value);

    public abstract T Read(ref PayloadReader reader);
}

/// <summary>
/// Picks the codec for a type: raw little-endian bytes for primitives, enums and arrays of primitives
/// (the fast path for tensors and embeddings), length-prefixed UTF-8 for strings, and System.Text.Json
/// for everything else (records, DTOs, collections), which never writes type names.
/// </summary>
internal static class PayloadCodecFactory
{
    public static PayloadCodec<T> Create<T>()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Hoist payloads are little-endian.");
        }

        var type = typeof(T);
        if (type == typeof(string))
        {
            return (PayloadCodec<T>)(object)new StringCodec();
        }

        if (type.IsEnum)
        {
            return new BlittableCodec<T>();
        }

        return TryPrimitive<T, bool>() ?? TryPrimitive<T, byte>() ?? TryPrimitive<T, sbyte>()
            ?? TryPrimitive<T, short>() ?? TryPrimitive<T, ushort>() ?? TryPrimitive<T, int>()
            ?? TryPrimitive<T, uint>() ?? TryPrimitive<T, long>() ?? TryPrimitive<T, ulong>()
            ?? TryPrimitive<T, float>() ?? TryPrimitive<T, double>() ?? TryPrimitive<T, Half>()
            ?? TryPrimitive<T, decimal>() ?? TryPrimitive<T, char>() ?? TryPrimitive<T, Guid>()
            ?? TryPrimitive<T, DateTime>() ?? TryPrimitive<T, TimeSpan>()
            ?? (PayloadCodec<T>)new JsonCodec<T>();
    }

    private static PayloadCodec<T>? TryPrimitive<T, TPrimitive>()
        where TPrimitive : unmanaged
    {
        if (typeof(T) == typeof(TPrimitive))
        {
            return new BlittableCodec<T>();
        }

        if (typeof(T) == typeof(TPrimitive?))
        {
            return (PayloadCodec<T>)(object)new NullableCodec<TPrimitive>();
        }

        if (typeof(T) == typeof(TPrimitive[]))
        {
            return (PayloadCodec<T>)(object)new BlittableArrayCodec<TPrimitive>();
        }

        if (typeof(T) == typeof(ReadOnlyMemory<TPrimitive>))
        {
            return (PayloadCodec<T>)(object)new BlittableReadOnlyMemoryCodec<TPrimitive>();
        }

        if (typeof(T) == typeof(Memory<TPrimitive>))
        {
            return (PayloadCodec<T>)(object)new BlittableMemoryCodec<TPrimitive>();
        }

        return null;
    }
}

/// <summary>Primitives and enums: their bytes as they are in memory, little-endian.</summary>
internal sealed class BlittableCodec<T> : PayloadCodec<T>
{
    public override void Write(PayloadWriter writer, T value)
    {
        var size = Unsafe.SizeOf<T>();
        Unsafe.WriteUnaligned(ref MemoryMarshal.GetReference(writer.GetSpan(size)), value);
        writer.Advance(size);
    }

    public override T Read(ref PayloadReader reader) =>
        Unsafe.ReadUnaligned<T>(ref MemoryMarshal.GetReference(reader.ReadBytes(Unsafe.SizeOf<T>(), typeof(T).Name)));
}

internal sealed class NullableCodec<T> : PayloadCodec<T?>
    where T : unmanaged
{
    private static readonly BlittableCodec<T> s_value = new();

    public override void Write(PayloadWriter writer, T? value)
    {
        writer.GetSpan(1)[0] = value.HasValue ? (byte)1 : (byte)0;
        writer.Advance(1);
        if (value.HasValue)
        {
            s_value.Write(writer, value.Value);
        }
    }

    public override T? Read(ref PayloadReader reader) =>
        reader.ReadBytes(1, typeof(T).Name + "?")[0] switch
        {
            0 => null,
            1 => s_value.Read(ref reader),
            var flag => throw new PayloadFormatException($"The payload has an invalid null flag {flag} for {typeof(T).Name}?."),
        };
}

/// <summary>Arrays of primitives: a count, then the elements, copied as one block or (large) written straight from the array.</summary>
internal sealed class BlittableArrayCodec<T> : PayloadCodec<T[]?>
    where T : unmanaged
{
    public override void Write(PayloadWriter writer, T[]? value)
    {
        if (value is null)
        {
            writer.WriteVarUInt(0);
            return;
        }

        WriteElements(writer, value);
    }

    public override T[]? Read(ref PayloadReader reader) => ReadElements(ref reader);

    /// <summary>A count (as a varint, count + 1, 0 for null), then the elements.</summary>
    internal static void WriteElements(PayloadWriter writer, ReadOnlyMemory<T> elements)
    {
        writer.WriteVarUInt((ulong)elements.Length + 1);
        writer.WriteElements(elements);
    }

    /// <summary>The elements <see cref="WriteElements"/> wrote, as a new array.</summary>
    internal static T[]? ReadElements(ref PayloadReader reader)
    {
        var what = typeof(T).Name + "[]";
        var header = reader.ReadVarUInt(what);
        if (header == 0)
        {
            return null;
        }

        var count = header - 1;
        var size = (ulong)Unsafe.SizeOf<T>();
        if (count > (ulong)reader.Remaining / size)
        {
            throw new PayloadFormatException($"The payload ended early: {what} claims {count} element(s), {reader.Remaining} byte(s) left.");
        }

        var array = GC.AllocateUninitializedArray<T>((int)count);
        reader.ReadBytes((int)(count * size), what).CopyTo(MemoryMarshal.AsBytes(array.AsSpan()));
        return array;
    }
}

/// <summary>
/// <c>ReadOnlyMemory&lt;T&gt;</c> of primitives: the same bytes as <c>T[]</c> (so the wire contract is <c>T[]</c>'s). Read from
/// arguments a worker mapped from shared memory, it is a view of the mapping with no copy at all, valid until the call's
/// task has completed (a memory that is an <see cref="IElementViews"/>: src/Wire/Transport/MappedRegion.cs); read from anything
/// else, it is a new array.
/// </summary>
internal sealed class BlittableReadOnlyMemoryCodec<T> : PayloadCodec<ReadOnlyMemory<T>>
    where T : unmanaged
{
    public override void Write(PayloadWriter writer, ReadOnlyMemory<T> value) => BlittableArrayCodec<T>.WriteElements(writer, value);

    public override ReadOnlyMemory<T> Read(ref PayloadReader reader)
    {
        if (MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(reader.Memory, out var manager, out var start, out _) && manager is IElementViews views)
        {
            var header = reader.ReadVarUInt(typeof(T).Name + "[]");
            if (header == 0)
            {
                return default;
            }

            var count = header - 1;
            if (count > (ulong)reader.Remaining / (ulong)Unsafe.SizeOf<T>())
            {
                throw new PayloadFormatException($"The payload ended early: {typeof(T).Name}[] claims {count} element(s), {reader.Remaining} byte(s) left.");
            }

            var offset = start + reader.Position;
            reader.ReadBytes((int)count * Unsafe.SizeOf<T>(), typeof(T).Name + "[]");
            return views.View<T>(offset, (int)count);
        }

        return BlittableArrayCodec<T>.ReadElements(ref reader);
    }
}

/// <summary>
/// Bytes that can lend their elements without a copy, for as long as they live: the worker's mapping of a call's shared
/// arguments. Declared here so that the codec needs nothing of the transport that implements it.
/// </summary>
internal interface IElementViews
{
    /// <summary>A view of <paramref name="count"/> elements starting <paramref name="byteOffset"/> bytes in.</summary>
    ReadOnlyMemory<T> View<T>(int byteOffset, int count)
        where T : unmanaged;
}

/// <summary><c>Memory&lt;T&gt;</c> of primitives: the same bytes as <c>T[]</c>, always read into a new array (a method may write to it).</summary>
internal sealed class BlittableMemoryCodec<T> : PayloadCodec<Memory<T>>
    where T : unmanaged
{
    public override void Write(PayloadWriter writer, Memory<T> value) => BlittableArrayCodec<T>.WriteElements(writer, value);

    public override Memory<T> Read(ref PayloadReader reader) => BlittableArrayCodec<T>.ReadElements(ref reader);
}

/// <summary>
/// Strings exactly as UTF-16. A header of 0 is null; otherwise its low bit says how the bytes after it are
/// encoded: 1 for UTF-8 (every well-formed string, so the common case stays compact and fast), 0 for raw
/// UTF-16LE code units (a string with a lone surrogate, which UTF-8 cannot hold). The rest is the byte count.
/// </summary>
internal sealed class StringCodec : PayloadCodec<string?>
{
    public override void Write(PayloadWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteVarUInt(0);
            return;
        }

        if (Utf16.IsWellFormed(value))
        {
            var byteCount = Encoding.UTF8.GetByteCount(value);
            writer.WriteVarUInt(((ulong)byteCount << 1) | 1);
            writer.Advance(Encoding.UTF8.GetBytes(value, writer.GetSpan(byteCount)));
            return;
        }

        var units = MemoryMarshal.AsBytes(value.AsSpan());
        writer.WriteVarUInt((ulong)units.Length << 1);
        units.CopyTo(writer.GetSpan(units.Length));
        writer.Advance(units.Length);
    }

    public override string? Read(ref PayloadReader reader)
    {
        var header = reader.ReadVarUInt("String");
        if (header == 0)
        {
            return null;
        }

        var length = header >> 1;
        if (length > int.MaxValue)
        {
            throw new PayloadFormatException("The payload has a string longer than 2 GiB.");
        }

        var bytes = reader.ReadBytes((int)length, "String");
        if ((header & 1) == 0)
        {
            if (bytes.Length % 2 != 0)
            {
                throw new PayloadFormatException("The payload has a UTF-16 string with an odd number of bytes.");
            }

            return new string(MemoryMarshal.Cast<byte, char>(bytes));
        }

        try
        {
            return HoistJson.StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new PayloadFormatException("The payload has a string that is not valid UTF-8.", ex);
        }
    }
}

/// <summary>Everything else: a length, then System.Text.Json's UTF-8.</summary>
internal sealed class JsonCodec<T> : PayloadCodec<T>
{
    private readonly JsonTypeInfo<T> _typeInfo = (JsonTypeInfo<T>)HoistJson.Options.GetTypeInfo(typeof(T));

    public override void Write(PayloadWriter writer, T value)
    {
        var lengthPosition = writer.ReserveLength();
        using (var json = new Utf8JsonWriter(writer, HoistJson.WriterOptions))
        {
            JsonSerializer.Serialize(json, value, _typeInfo);
        }

        writer.CompleteLength(lengthPosition);
    }

    public override T Read(ref PayloadReader reader)
    {
        var length = reader.ReadLength(typeof(T).Name);
        var json = reader.ReadBytes(length, typeof(T).Name);
        try
        {
            return JsonSerializer.Deserialize(json, _typeInfo)!;
        }
        catch (JsonException ex)
        {
            throw new PayloadFormatException($"The payload is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}

internal static class HoistJson
{
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>
    /// For JSON a person or a tool wrote (<c>hoist call</c>), which no fingerprint guards: a member the declared type
    /// lacks, a constructor parameter left out, or a null where the type says none is refused, never read as a default.
    /// The binary path keeps <see cref="Options"/>: its JSON is written by the same declared types, checked by the
    /// call's wire contract.
    /// </summary>
    public static readonly JsonSerializerOptions StrictOptions = CreateStrictOptions();

    /// <summary>How deep a JSON value may nest, in both directions.</summary>
    public const int MaxDepth = 1000;

    public static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, MaxDepth = MaxDepth };

    private static JsonSerializerOptions CreateStrictOptions()
    {
        var options = new JsonSerializerOptions(Options)
        {
            UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
            RespectRequiredConstructorParameters = true,
            RespectNullableAnnotations = true,
        };
        options.MakeReadOnly();
        return options;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            IncludeFields = true,

            // Written by the same declared types on both sides, so names always match in the binary path;
            // JSON typed by a person (hoist call) may well say "lines" for Lines.
            PropertyNameCaseInsensitive = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),

            // Ordinary trees (a 100-node linked list) nest deeper than the default 64; past this, the error names the depth.
            MaxDepth = MaxDepth,
            Converters = { new ExactStringJsonConverter(), new ExactCharJsonConverter(), new BigIntegerJsonConverter() },
        };
        options.MakeReadOnly();
        return options;
    }
}

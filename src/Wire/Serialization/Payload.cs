namespace Hoist.Serialization;

/// <summary>One value as a whole payload: a worker's result, or a test's round trip.</summary>
public static class Payload
{
    /// <summary>
    /// Serializes into an array of its own, so the bytes can be handed to gRPC without a copy; a large array of primitives
    /// is referred to, not copied, so that a shared-memory region is written straight from it (see <see cref="PayloadPieces"/>).
    /// </summary>
    public static ReadOnlyMemory<byte> Serialize<T>(T value)
    {
        var writer = new PayloadWriter(pooled: false);
        writer.Write(value);
        return writer.Detach();
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var value = reader.Read<T>();
        reader.EnsureEnd();
        return value;
    }
}

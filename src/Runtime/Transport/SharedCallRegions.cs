using Hoist.Client;
using Hoist.Protocol;
using Hoist.Serialization;

namespace Hoist.Transport;

/// <summary>
/// A call's arguments in shared memory, when the worker shares this machine and they are at least its
/// threshold. Disposing releases the file: the call has ended, whether it was answered, failed or was
/// abandoned; see <see cref="SharedRegions.Release"/>.
/// </summary>
internal sealed class SharedArguments : IDisposable
{
    private readonly string _folder;

    private SharedArguments(string folder, SharedRegion region)
    {
        _folder = folder;
        Region = region;
    }

    public SharedRegion Region { get; }

    public static SharedArguments? For(WorkerEndpoint endpoint, PayloadWriter arguments)
    {
        if (endpoint.SharedMemoryFolder is not { } folder || arguments.WrittenCount < endpoint.SharedMemoryThreshold)
        {
            return null;
        }

        string? name = null;
        try
        {
            name = SharedRegions.Rent(folder, makeEmpty: false);
            return new SharedArguments(folder, SharedRegions.Create(folder, name, arguments.WrittenMemory));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (name is not null)
            {
                SharedRegions.Delete(folder, name);
            }

            throw Unwritable(endpoint, folder, ex);
        }
    }

    /// <summary>A shared-memory folder that refuses a region (full, say) fails the call, naming the folder.</summary>
    internal static HoistException Unwritable(WorkerEndpoint endpoint, string folder, Exception ex) =>
        new(endpoint.Service, endpoint.Replica, $"A call to '{endpoint.Service}' could not put its payload in shared memory ({folder}): {ex.Message} Set Hoist:Local:SharedMemoryThreshold to 0 to keep payloads inline.", ex);

    /// <summary>Every worker given this region has answered: none reads it any more.</summary>
    public bool Answered { get; set; }

    public void Dispose() => SharedRegions.Release(_folder, Region.Name, Region.Length, Answered);
}

/// <summary>
/// A file a call offers the worker for a large result. The caller makes it (or takes one from the
/// <see cref="RegionPool"/>) and releases it when the call ends, so a worker never leaves a region behind: if
/// the caller has stopped waiting, the file is gone and the worker's write fails instead of creating it.
/// </summary>
internal sealed class ResultOffer : IDisposable
{
    private ResultOffer(string folder, SharedResultOffer offer)
    {
        Folder = folder;
        Offer = offer;
    }

    public string Folder { get; }

    public SharedResultOffer Offer { get; }

    /// <summary>An offer for results that may be large arrays of primitives, to a worker that shares memory; else null.</summary>
    public static ResultOffer? For<T>(WorkerEndpoint endpoint)
    {
        if (!MayBeLarge<T>.Value || endpoint.SharedMemoryFolder is not { } folder)
        {
            return null;
        }

        try
        {
            var name = SharedRegions.Rent(folder, makeEmpty: true);
            return new ResultOffer(folder, new SharedResultOffer { Name = name, MinLength = endpoint.SharedMemoryThreshold });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SharedArguments.Unwritable(endpoint, folder, ex);
        }
    }

    /// <summary>The worker answered, so it is done with the file.</summary>
    public bool Answered { get; set; }

    /// <summary>How long the region the worker wrote is, for the pool's limit.</summary>
    public long Length { get; set; }

    public void Dispose() => SharedRegions.Release(Folder, Offer.Name, Length, Answered);

    /// <summary>
    /// Reads a result region straight into the array when <typeparamref name="T"/> is an array of primitives
    /// (always, for the results offered a region); null for any other type, which goes through its codec.
    /// </summary>
    public static Func<string, SharedRegion, T>? DirectReader<T>() => DirectArray<T>.Reader;

    private static class DirectArray<T>
    {
        public static readonly Func<string, SharedRegion, T>? Reader = Create();

        private static Func<string, SharedRegion, T>? Create() =>
            (Try<byte>() ?? Try<sbyte>() ?? Try<short>() ?? Try<ushort>() ?? Try<int>() ?? Try<uint>()
                ?? Try<long>() ?? Try<ulong>() ?? Try<float>() ?? Try<double>() ?? Try<Half>() ?? Try<char>()
                ?? Try<bool>() ?? Try<decimal>()) as Func<string, SharedRegion, T>;

        private static object? Try<TElement>()
            where TElement : unmanaged =>
            typeof(T) == typeof(TElement[]) ? new Func<string, SharedRegion, TElement[]?>(SharedRegions.ReadArray<TElement>) : null;
    }

    /// <summary>Arrays of primitives: the results that are worth a file. Decided once per type.</summary>
    private static class MayBeLarge<T>
    {
        public static readonly bool Value = typeof(T).IsArray && typeof(T).GetElementType() is { } element
            && (element.IsPrimitive || element.IsEnum || element == typeof(decimal) || element == typeof(Half)
                || element == typeof(Guid) || element == typeof(DateTime) || element == typeof(TimeSpan));
    }
}

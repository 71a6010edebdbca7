using Hoist.Protocol;
using Hoist.Serialization;
using Microsoft.Extensions.Logging;

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

    /// <summary>
    /// The call's arguments in a region, or null when they go inline: below the threshold, a worker that shares no
    /// memory, or a region shared memory could not take (full, say), which <see cref="SharedMemoryFallback"/> notes.
    /// </summary>
    public static SharedArguments? For(WorkerEndpoint endpoint, PayloadWriter arguments, ILogger logger)
    {
        if (endpoint.SharedMemoryFolder is not { } folder || arguments.WrittenCount < endpoint.SharedMemoryThreshold)
        {
            return null;
        }

        try
        {
            return new SharedArguments(folder, SharedRegions.Place(folder, arguments.Pieces()));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            SharedMemoryFallback.Record(logger, endpoint.Service, SharedMemoryFallback.Arguments, folder, arguments.WrittenCount, ex);
            return null;
        }
    }

    /// <summary>Every worker given this region has answered: none reads it any more.</summary>
    public bool Answered { get; set; }

    public void Dispose() => SharedRegions.Release(_folder, Region.Name, Answered);
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

    /// <summary>
    /// An offer for results that may be large arrays of primitives, to a worker that shares memory; else null, and
    /// null too when the file cannot be made (the result then comes back inline, noted by <see cref="SharedMemoryFallback"/>).
    /// The file kept from an earlier call that best fits a result as long as the arguments is offered (a tensor method's
    /// result is most often the size of its input), so an echo of the same size finds its pages there.
    /// </summary>
    public static ResultOffer? For<T>(WorkerEndpoint endpoint, long argumentsLength, ILogger logger)
    {
        if (!MayBeLarge<T>.Value || endpoint.SharedMemoryFolder is not { } folder)
        {
            return null;
        }

        try
        {
            var name = SharedRegions.Rent(folder, makeEmpty: true, SharedRegions.HeaderSize + argumentsLength + SharedRegions.TrailerSize);
            return new ResultOffer(folder, new SharedResultOffer { Name = name, MinLength = endpoint.SharedMemoryThreshold });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            SharedMemoryFallback.Record(logger, endpoint.Service, SharedMemoryFallback.Result, folder, null, ex);
            return null;
        }
    }

    /// <summary>The worker answered, so it is done with the file.</summary>
    public bool Answered { get; set; }

    public void Dispose() => SharedRegions.Release(Folder, Offer.Name, Answered);

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

        // A ReadOnlyMemory<T> or Memory<T> result is read into an array of its own, as T[] is: the region is the caller's to
        // reuse for its next call as soon as this one returns, so a view of it could not outlive the call.
        private static object? Try<TElement>()
            where TElement : unmanaged =>
            typeof(T) == typeof(TElement[]) ? new Func<string, SharedRegion, TElement[]?>(SharedRegions.ReadArray<TElement>)
            : typeof(T) == typeof(ReadOnlyMemory<TElement>) ? new Func<string, SharedRegion, ReadOnlyMemory<TElement>>((folder, region) => SharedRegions.ReadArray<TElement>(folder, region))
            : typeof(T) == typeof(Memory<TElement>) ? new Func<string, SharedRegion, Memory<TElement>>((folder, region) => SharedRegions.ReadArray<TElement>(folder, region))
            : null;
    }

    /// <summary>Arrays, <c>ReadOnlyMemory&lt;T&gt;</c> and <c>Memory&lt;T&gt;</c> of primitives: the results that are worth a file. Decided once per type.</summary>
    private static class MayBeLarge<T>
    {
        public static readonly bool Value = ElementOf(typeof(T)) is { } element
            && (element.IsPrimitive || element.IsEnum || element == typeof(decimal) || element == typeof(Half)
                || element == typeof(Guid) || element == typeof(DateTime) || element == typeof(TimeSpan));

        private static Type? ElementOf(Type type) =>
            type.IsArray ? type.GetElementType()
            : type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(ReadOnlyMemory<>) || type.GetGenericTypeDefinition() == typeof(Memory<>)) ? type.GetGenericArguments()[0]
            : null;
    }
}

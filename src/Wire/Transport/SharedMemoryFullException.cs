namespace Hoist.Transport;

/// <summary>
/// A payload that shared memory could not take: planned not to fit (the folder's free space, as statvfs tells it,
/// is less than the region would add), or a write that ran out of space midway. Either way nothing of it is left:
/// a region cut short is emptied before this is thrown. The call goes inline instead (see <see cref="SharedMemoryFallback"/>).
/// </summary>
internal sealed class SharedMemoryFullException(string folder, long neededBytes, long? freeBytes, bool midway, Exception? innerException = null)
    : IOException(Describe(folder, neededBytes, freeBytes, midway, innerException), innerException)
{
    /// <summary>The folder the region was to be written in.</summary>
    public string Folder { get; } = folder;

    /// <summary>The bytes the region would have added to the folder: its header, payload and trailer, less what a kept file already held.</summary>
    public long NeededBytes { get; } = neededBytes;

    /// <summary>The folder's free bytes when the write was planned; null when the system would not say.</summary>
    public long? FreeBytes { get; } = freeBytes;

    /// <summary>True when the write began and failed; false when it was never begun because it plainly would not fit.</summary>
    public bool Midway { get; } = midway;

    private static string Describe(string folder, long needed, long? free, bool midway, Exception? inner) =>
        midway
            ? $"{folder} ran out of space writing a region of {SharedMemoryFallback.Size(needed)} ({SharedMemoryFallback.Size(free)} was free when it began): {inner?.Message}"
            : $"{folder} has {SharedMemoryFallback.Size(free)} free, less than the {SharedMemoryFallback.Size(needed)} a region needs.";
}

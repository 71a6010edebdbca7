using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Hoist.Transport;

/// <summary>
/// Shared memory is an optimisation, never a requirement: a payload it cannot take (a full or small /dev/shm, as
/// Docker's 64 MiB default and pods without a memory-backed volume have) goes inline on the call instead, on either
/// side. This counts each such fallback on the <c>Hoist</c> meter and warns once per process with what to grow.
/// </summary>
internal static partial class SharedMemoryFallback
{
    private static int s_warned;

    /// <summary>The payload kinds a fallback is counted by.</summary>
    public const string Arguments = "arguments";
    public const string Result = "result";

    /// <summary>
    /// Notes that a call's <paramref name="payload"/> of <paramref name="size"/> bytes (null: not known yet) goes inline
    /// because shared memory at <paramref name="folder"/> refused it with <paramref name="reason"/>.
    /// </summary>
    public static void Record(ILogger logger, string service, string payload, string folder, long? size, Exception reason)
    {
        var full = reason as SharedMemoryFullException;
        TransportInstruments.RecordSharedMemoryFallback(service, payload, full is { Midway: false } ? "planned" : "failed");
        if (Interlocked.Exchange(ref s_warned, 1) == 0)
        {
            var why = full switch
            {
                { Midway: false } => null,
                { Midway: true } => $"the write ran out of space midway ({full.InnerException?.Message})",
                null => reason.Message,
            };
            LogFellBack(logger, Warning(folder, full is null ? SharedRegions.FreeBytes(folder) : full.FreeBytes, payload, size, why));
        }
    }

    /// <summary>The one warning: the folder, its free space, what did not fit (and why, when it was not planned), and how to grow it.</summary>
    public static string Warning(string folder, long? freeBytes, string payload, long? size, string? why) =>
        $"Shared memory at {folder} is too small for a call's {payload}{(size is null ? "" : $" of {Size(size)}")}: {Size(freeBytes)} free{(why is null ? "" : $"; {why}")}. "
        + "Payloads that do not fit go inline on the call instead: every call is still answered, more slowly. This is said once per process; "
        + $"{HoistTelemetry.Instruments.SharedMemoryFallbacks} counts each fallback. To grow /dev/shm: `docker run --shm-size=2g` (Docker's default is 64 MiB), "
        + "or in Kubernetes a memory-backed emptyDir at /dev/shm, which Hoist renders for [Compute(SharedMemory = \"2Gi\")].";

    /// <summary>A byte count as a person reads it: <c>5.8 MiB</c>; <c>unknown</c> for null.</summary>
    public static string Size(long? bytes) => bytes switch
    {
        null => "an unknown amount",
        < 1024 => $"{bytes.Value.ToString(CultureInfo.InvariantCulture)} bytes",
        < 1024 * 1024 => $"{(bytes.Value / 1024.0).ToString("0.#", CultureInfo.InvariantCulture)} KiB",
        < 1024L * 1024 * 1024 => $"{(bytes.Value / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture)} MiB",
        _ => $"{(bytes.Value / (1024.0 * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture)} GiB",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogFellBack(ILogger logger, string warning);
}

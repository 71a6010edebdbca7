using System.Diagnostics;
using System.Diagnostics.Metrics;
using Hoist.Serialization;
using Hoist.Testing;
using Hoist.Transport;

namespace Hoist.Runtime.Tests;

/// <summary>A 1 MiB tmpfs, mounted for a test at a folder of its own (root only); skipped, saying why, elsewhere.</summary>
public sealed class TinyTmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(TinyTmpfs.WhyNot);

    public TinyTmpfsFactAttribute()
    {
        if (s_whyNot.Value is { } why)
        {
            Skip = $"A tmpfs of 1 MiB is needed to fill shared memory: {why}.";
        }
    }
}

/// <summary>
/// Shared memory that cannot take a region (issue 30): a region that plainly does not fit is never begun, one that runs
/// out of space midway is emptied, and both say the free space and the size; files kept for reuse give way first.
/// </summary>
public sealed class SharedMemoryFallbackTests
{
    private const int KiB = 1024;

    [TinyTmpfsFact]
    public void RegionThatPlainlyDoesNotFit_IsNeverBegun_AndSaysTheFreeSpace()
    {
        using var tmpfs = TinyTmpfs.Mount();

        var full = Assert.Throws<SharedMemoryFullException>(() => SharedRegions.Place(tmpfs.Folder, PayloadPieces.Of(new byte[2 * KiB * KiB])));

        Assert.False(full.Midway);
        Assert.Equal(SharedRegions.HeaderSize + (2 * KiB * KiB) + SharedRegions.TrailerSize, full.NeededBytes);
        Assert.InRange(full.FreeBytes!.Value, 1000 * KiB, KiB * KiB);
        Assert.Contains($"{tmpfs.Folder} has 1 MiB free, less than the 2 MiB a region needs", full.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(tmpfs.Folder));
    }

    [TinyTmpfsFact]
    public void WriteThatRunsOutOfSpaceMidway_IsEmptied_AndSaysSo()
    {
        using var tmpfs = TinyTmpfs.Mount();

        // A file that claims 4 MiB and holds no pages: the plan counts it as room already taken, so the write begins.
        var name = SharedRegions.NewName("res");
        using (var sparse = File.Create(Path.Combine(tmpfs.Folder, name)))
        {
            sparse.SetLength(4 * KiB * KiB);
        }

        var full = Assert.Throws<SharedMemoryFullException>(() => SharedRegions.WriteExisting(tmpfs.Folder, name, new byte[2 * KiB * KiB]));

        Assert.True(full.Midway);
        Assert.IsType<IOException>(full.InnerException, exactMatch: false);
        Assert.Contains("ran out of space writing a region", full.Message, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(Path.Combine(tmpfs.Folder, name)).Length);
        Assert.True(SharedRegions.FreeBytes(tmpfs.Folder) >= 1000 * KiB, "the region cut short still holds memory");
    }

    [TinyTmpfsFact]
    public void KeptFiles_GiveWay_ToARegionThatNeedsTheirSpace()
    {
        using var tmpfs = TinyTmpfs.Mount();
        RegionPool.Trim(TimeSpan.Zero);
        foreach (var kept in new[] { SharedRegions.NewName("shm"), SharedRegions.NewName("shm") })
        {
            SharedRegions.Create(tmpfs.Folder, kept, new byte[200 * KiB]);
            SharedRegions.Release(tmpfs.Folder, kept, answered: true);
        }

        // Someone else's 300 KiB beside the 400 KiB kept (within the pool's half of the file system): growing a kept file
        // to 700 KiB does not fit, a new file does once the kept ones are gone.
        var other = Path.Combine(tmpfs.Folder, "other");
        File.WriteAllBytes(other, new byte[300 * KiB]);
        Assert.Equal(2, RegionPool.Count);

        var placed = SharedRegions.Place(tmpfs.Folder, PayloadPieces.Of(new byte[700 * KiB]));

        Assert.Equal(700 * KiB, placed.Length);
        Assert.Equal(new[] { "other", placed.Name }.Order(), Directory.GetFiles(tmpfs.Folder).Select(Path.GetFileName).Order());
        Assert.Null(RegionPool.TryRent(tmpfs.Folder));
        SharedRegions.Delete(tmpfs.Folder, placed.Name);
    }

    [Fact]
    public void Fallback_IsCountedEachTime_AndWarnedOnce_NamingTheFolderFreeSpaceSizeAndFix()
    {
        var counted = new List<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HoistTelemetry.MeterName && instrument.Name == HoistTelemetry.Instruments.SharedMemoryFallbacks)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (counted)
            {
                counted.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();
        using var logs = new RecordingLoggerProvider();
        var logger = logs.CreateLogger("test");

        var planned = new SharedMemoryFullException("/dev/shm/hoist-0", 4 * KiB * KiB, 2 * KiB * KiB, midway: false);
        var midway = new SharedMemoryFullException("/dev/shm/hoist-0", 4 * KiB * KiB, 5 * KiB * KiB, midway: true, new IOException("No space left on device", 28));
        SharedMemoryFallback.Record(logger, "echo-fallback-test", SharedMemoryFallback.Arguments, "/dev/shm/hoist-0", 4 * KiB * KiB, planned);
        SharedMemoryFallback.Record(logger, "echo-fallback-test", SharedMemoryFallback.Result, "/dev/shm/hoist-0", 4 * KiB * KiB, midway);

        lock (counted)
        {
            var ours = counted.Where(c => Equals(c.Tags[HoistTelemetry.Attributes.Service], "echo-fallback-test")).ToArray();
            Assert.Equal(2, ours.Length);
            Assert.Equal(("arguments", "planned"), ((string)ours[0].Tags[HoistTelemetry.Attributes.TransportPayload]!, (string)ours[0].Tags[HoistTelemetry.Attributes.TransportFallback]!));
            Assert.Equal(("result", "failed"), ((string)ours[1].Tags[HoistTelemetry.Attributes.TransportPayload]!, (string)ours[1].Tags[HoistTelemetry.Attributes.TransportFallback]!));
        }

        var warning = Assert.Single(logs.Messages);
        Assert.StartsWith("Shared memory at /dev/shm/hoist-0 is too small for a call's arguments of 4 MiB: 2 MiB free. Payloads that do not fit go inline", warning, StringComparison.Ordinal);
        Assert.Contains("`docker run --shm-size=2g`", warning, StringComparison.Ordinal);
        Assert.Contains("memory-backed emptyDir at /dev/shm, which Hoist renders for [Compute(SharedMemory = \"2Gi\")]", warning, StringComparison.Ordinal);
        Assert.Contains("hoist.transport.shm_fallbacks", warning, StringComparison.Ordinal);
        Assert.Contains(
            "is too small for a call's result of 4 MiB: 5 MiB free; the write ran out of space midway (No space left on device). Payloads",
            SharedMemoryFallback.Warning("/dev/shm/hoist-0", 5 * KiB * KiB, "result", 4 * KiB * KiB, "the write ran out of space midway (No space left on device)"),
            StringComparison.Ordinal);
    }

}

/// <summary>A tmpfs of 1 MiB at a fresh folder of this user's (mode 0700), unmounted and removed on dispose.</summary>
internal sealed class TinyTmpfs : IDisposable
{
    private TinyTmpfs(string folder) => Folder = folder;

    public string Folder { get; }

    public static string? WhyNot()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux";
        }

        if (Environment.UserName != "root")
        {
            return "needs root, to mount it";
        }

        try
        {
            Mount().Dispose();
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    public static TinyTmpfs Mount()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"hoist-tiny-shm-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", folder);
        if (code != 0)
        {
            Directory.Delete(folder);
            throw new InvalidOperationException($"mount -t tmpfs failed: {output.Trim()}");
        }

        return new TinyTmpfs(folder);
    }

    public void Dispose()
    {
        Run("umount", Folder);
        Directory.Delete(Folder, recursive: true);
    }

    private static (int Code, string Output) Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}

using Hoist.Hosting;
using Hoist.Protocol;
using Hoist.Transport;
using Hoist.Configuration;

namespace Hoist.Runtime.Tests;

/// <summary>A shared-memory region is read only when it is exactly the one its handle describes.</summary>
public sealed class SharedRegionsTests : IDisposable
{
    private readonly string _folder = PrivateFolder.Ensure(Path.Combine(Path.GetTempPath(), $"hoist-regions-{Guid.NewGuid():N}"));

    [Fact]
    public void Region_RoundTripsItsBytes()
    {
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();

        var region = SharedRegions.Create(_folder, SharedRegions.NewName("arg"), payload);
        var read = SharedRegions.Read(_folder, region, int.MaxValue);

        Assert.Equal(payload, read.AsSpan(0, (int)region.Length).ToArray());
        SharedRegions.Return(read);
    }

    [Fact]
    public void Region_WithAnotherTag_OrCutShort_OrOverwritten_IsRefused()
    {
        var region = SharedRegions.Create(_folder, SharedRegions.NewName("arg"), new byte[4096]);
        var path = Path.Combine(_folder, region.Name);

        Assert.Throws<InvalidDataException>(() => SharedRegions.Read(_folder, new SharedRegion(region) { Tag = region.Tag + 1 }, int.MaxValue));
        Assert.Throws<InvalidDataException>(() => SharedRegions.Read(_folder, new SharedRegion(region) { Length = region.Length - 1 }, int.MaxValue));

        // Another writer's bytes over the trailer: the tag after the payload no longer matches.
        FlipLastByte(path);

        Assert.Throws<InvalidDataException>(() => SharedRegions.Read(_folder, region, int.MaxValue));

        File.WriteAllBytes(path, new byte[100]);
        Assert.Throws<InvalidDataException>(() => SharedRegions.Read(_folder, region, int.MaxValue));
    }

    [Fact]
    public void Region_OverTheLimit_OrNamedByAPath_IsRefused()
    {
        var region = SharedRegions.Create(_folder, SharedRegions.NewName("arg"), new byte[4096]);

        Assert.Throws<InvalidDataException>(() => SharedRegions.Read(_folder, region, maxLength: 4095));
        Assert.Throws<InvalidDataException>(() => SharedRegions.Read(_folder, new SharedRegion(region) { Name = "../" + region.Name }, int.MaxValue));
        Assert.Throws<InvalidDataException>(() => SharedRegions.WriteExisting(_folder, "..", new byte[1]));
    }

    [Fact]
    public void ResultWrite_IntoAFileTheCallerRemoved_Fails_AndCreatesNothing()
    {
        var name = SharedRegions.NewName("res");

        Assert.Throws<FileNotFoundException>(() => SharedRegions.WriteExisting(_folder, name, new byte[10]));
        Assert.False(File.Exists(Path.Combine(_folder, name)));
    }

    [Fact]
    public void AnsweredCallsFiles_AreKeptForTheNext_OthersRemovedAtOnce()
    {
        RegionPool.Trim(TimeSpan.Zero);
        var answered = SharedRegions.Rent(_folder, makeEmpty: true);
        var abandoned = SharedRegions.Rent(_folder, makeEmpty: true);

        SharedRegions.Release(_folder, answered, answered: true);
        SharedRegions.Release(_folder, abandoned, answered: false);

        Assert.True(File.Exists(Path.Combine(_folder, answered)));
        Assert.False(File.Exists(Path.Combine(_folder, abandoned)));
        Assert.Equal(answered, SharedRegions.Rent(_folder, makeEmpty: true));

        // A kept file holding a longer region stays as long, its pages kept; the reader goes by the region's own length.
        var region = SharedRegions.Create(_folder, answered, new byte[1000]);
        region = SharedRegions.WriteExisting(_folder, answered, Enumerable.Range(0, 10).Select(i => (byte)i).ToArray());
        Assert.Equal(SharedRegions.HeaderSize + 1000 + SharedRegions.TrailerSize, new FileInfo(Path.Combine(_folder, answered)).Length);
        var read = SharedRegions.Read(_folder, region, int.MaxValue);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), read.AsSpan(0, 10).ToArray());
        SharedRegions.Return(read);
        using (var mapped = MappedRegion.Map(_folder, region, int.MaxValue))
        {
            Assert.Equal(10, mapped.Memory.Length);
        }

        SharedRegions.Release(_folder, answered, answered: true);
        RegionPool.Trim(TimeSpan.Zero);
        Assert.False(File.Exists(Path.Combine(_folder, answered)));
    }

    [Fact]
    public void KeptFiles_AreRentedByBestFit_TheLargestWhenNoneFits()
    {
        RegionPool.Trim(TimeSpan.Zero);
        var small = SharedRegions.Create(_folder, SharedRegions.NewName("shm"), new byte[100]).Name;
        var large = SharedRegions.Create(_folder, SharedRegions.NewName("shm"), new byte[10_000]).Name;
        SharedRegions.Release(_folder, small, answered: true);
        SharedRegions.Release(_folder, large, answered: true);
        Assert.Equal(2, RegionPool.Count);
        Assert.Equal(100 + 10_000 + (2 * (SharedRegions.HeaderSize + SharedRegions.TrailerSize)), RegionPool.Bytes);

        Assert.Equal(small, RegionPool.TryRent(_folder, 50));
        Assert.Equal(large, RegionPool.TryRent(_folder, 50));
        SharedRegions.Release(_folder, small, answered: true);
        SharedRegions.Release(_folder, large, answered: true);
        Assert.Equal(large, RegionPool.TryRent(_folder, 5000));
        Assert.Equal(small, RegionPool.TryRent(_folder, 5000));
        SharedRegions.Release(_folder, small, answered: true);
        SharedRegions.Release(_folder, large, answered: true);
        Assert.Equal(large, RegionPool.TryRent(_folder, 1_000_000));
        Assert.Null(RegionPool.TryRent(Path.GetTempPath()));

        SharedRegions.Release(_folder, large, answered: true);
        RegionPool.Trim(TimeSpan.Zero);
        Assert.Empty(Directory.GetFiles(_folder));

        // A file already gone is not kept: offered again, it would fail the next call's result.
        SharedRegions.Release(_folder, small, answered: true);
        Assert.Null(RegionPool.TryRent(_folder));
    }

    [Fact]
    public void ReadOnlyMemoryArgument_IsAViewOfTheMappedRegion_UntilTheMappingIsDisposed()
    {
        var values = Enumerable.Range(0, 100_000).Select(i => (float)i).ToArray();
        using var writer = new Serialization.PayloadWriter();
        writer.Write<ReadOnlyMemory<float>>(values.AsMemory(10, 50_000));
        writer.Write(7);
        var region = SharedRegions.Create(_folder, SharedRegions.NewName("arg"), writer.Pieces());

        ReadOnlyMemory<float> view;
        using (var mapped = MappedRegion.Map(_folder, region, int.MaxValue))
        {
            var reader = new Serialization.PayloadReader(mapped.Memory);
            view = reader.Read<ReadOnlyMemory<float>>();
            Assert.Equal(7, reader.Read<int>());
            reader.EnsureEnd();

            Assert.False(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(view, out _), "the argument is a copy, not a view");
            Assert.Equal(values.AsSpan(10, 50_000).ToArray(), view.ToArray());

            // Read from a buffer rather than a mapping, it is an array of its own; Memory<T> always is.
            var copied = Serialization.Payload.Deserialize<ReadOnlyMemory<float>>(mapped.Memory.Span[..^4]);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(copied, out _));
            Assert.Equal(view.ToArray(), copied.ToArray());
        }

        Assert.Throws<ObjectDisposedException>(() => view.Span[0]);
    }

    [Fact]
    public void ArrayRegion_IsReadStraightIntoItsArray_OnlyAsTheTypeItHolds()
    {
        var values = new[] { 1.5f, float.NaN, -0f, float.MaxValue };
        var region = SharedRegions.Create(_folder, SharedRegions.NewName("res"), Serialization.Payload.Serialize(values));
        var empty = SharedRegions.Create(_folder, SharedRegions.NewName("res"), Serialization.Payload.Serialize<float[]?>(null));

        Assert.Equal(values, SharedRegions.ReadArray<float>(_folder, region));
        Assert.Null(SharedRegions.ReadArray<float>(_folder, empty));
        Assert.Throws<InvalidDataException>(() => SharedRegions.ReadArray<double>(_folder, region));
        Assert.Throws<InvalidDataException>(() => SharedRegions.ReadArray<float>(_folder, new SharedRegion(region) { Tag = region.Tag ^ 1 }));
    }

    [Fact]
    public void LargeArrayArguments_AreWrittenToTheRegionStraightFromTheArray_AndReadBackExactly()
    {
        var values = Enumerable.Range(0, 100_000).Select(i => i * 0.5f).ToArray();
        using var writer = new Serialization.PayloadWriter();
        writer.Write(7);
        writer.Write(values);
        writer.Write("after");

        var pieces = writer.Pieces();

        // The count and the int before it, the array itself (not a copy of it), the string after it.
        Assert.Equal(3, pieces.Length);
        Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(pieces[1].Span),
            ref System.Runtime.CompilerServices.Unsafe.As<float, byte>(ref values[0])));
        var region = SharedRegions.Create(_folder, SharedRegions.NewName("arg"), pieces);
        var read = SharedRegions.Read(_folder, region, int.MaxValue);
        Assert.Equal(writer.WrittenMemory.ToArray(), read.AsSpan(0, (int)region.Length).ToArray());
        var reader = new Serialization.PayloadReader(read.AsSpan(0, (int)region.Length));
        Assert.Equal(7, reader.Read<int>());
        Assert.Equal(values, reader.Read<float[]>());
        Assert.Equal("after", reader.Read<string>());
        reader.EnsureEnd();
        SharedRegions.Return(read);
    }

    [Fact]
    public void LargeArrayResult_IsItsPieces_ForTheRegion_AndJoinsOnceForAnInlineAnswer()
    {
        var values = Enumerable.Range(0, 100_000).Select(i => (double)i).ToArray();

        var result = Serialization.Payload.Serialize(values);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<byte, Serialization.PayloadPieces>(result, out _));
        Assert.Equal(2, Serialization.PayloadPieces.Of(result).Count);
        var region = SharedRegions.Create(_folder, SharedRegions.NewName("res"), result);
        Assert.Equal(values, SharedRegions.ReadArray<double>(_folder, region));
        Assert.Equal(values, Serialization.Payload.Deserialize<double[]>(result.Span));
        Assert.Equal(3 + (values.Length * sizeof(double)), result.Length); // a 3-byte count, then the elements
    }

    [Fact]
    public void MappedRegion_IsThePayloadInPlace_AndRefusedWhenItIsNotTheRegionDescribed()
    {
        var payload = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();
        var region = SharedRegions.Create(_folder, SharedRegions.NewName("arg"), payload);

        var mapped = MappedRegion.Map(_folder, region, int.MaxValue);
        Assert.Equal(payload, mapped.Memory.ToArray());
        ((IDisposable)mapped).Dispose();
        Assert.Throws<ObjectDisposedException>(() => mapped.Memory.Span.Length);

        Assert.Throws<InvalidDataException>(() => MappedRegion.Map(_folder, new SharedRegion(region) { Tag = region.Tag + 1 }, int.MaxValue));
        Assert.Throws<InvalidDataException>(() => MappedRegion.Map(_folder, new SharedRegion(region) { Length = region.Length - 1 }, int.MaxValue));
        Assert.Throws<InvalidDataException>(() => MappedRegion.Map(_folder, region, maxLength: region.Length - 1));
        Assert.Throws<InvalidDataException>(() => MappedRegion.Map(_folder, new SharedRegion(region) { Name = "../" + region.Name }, int.MaxValue));
        FlipLastByte(Path.Combine(_folder, region.Name));

        Assert.Throws<InvalidDataException>(() => MappedRegion.Map(_folder, region, int.MaxValue));
    }

    [Fact]
    public void LocalTransportSettings_AreValidated()
    {
        var options = new HoistOptions();
        options.Local.Transport = "pipes";
        options.Local.SharedMemoryThreshold = -1;

        var failures = HoistOptionsValidator.Failures(options);

        Assert.Contains(failures, f => f.Contains("Hoist:Local:Transport", StringComparison.Ordinal) && f.Contains("\"tcp\"", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Hoist:Local:SharedMemoryThreshold", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Changes the trailing tag's last byte: writing a fixed byte would leave a random tag as it was once in 256 runs.</summary>
    private static void FlipLastByte(string path)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.Seek(-1, SeekOrigin.End);
        var last = file.ReadByte();
        file.Seek(-1, SeekOrigin.End);
        file.WriteByte((byte)~last);
    }
}

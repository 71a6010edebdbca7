using System.Text;
using Hoist.Serialization;

namespace Hoist.Runtime.Tests;

public sealed class PayloadTests
{
    public sealed record Point(double X, double Y);

    public sealed record Order(string Id, IReadOnlyList<Point> Path, Dictionary<string, int> Counts, Point? Origin, int? Priority);

    public sealed class Dto
    {
        public string? Name { get; set; }
        public List<int> Values { get; set; } = [];
        public DateTimeOffset When { get; set; }
    }

    public enum Color : byte
    {
        Red = 1,
        Blue = 7,
    }

    [Fact]
    public void Primitives_RoundTrip()
    {
        Assert.Equal(42, RoundTrip(42));
        Assert.Equal(-1L, RoundTrip(-1L));
        Assert.Equal(3.5f, RoundTrip(3.5f));
        Assert.Equal(double.NaN, RoundTrip(double.NaN));
        Assert.True(RoundTrip(true));
        Assert.Equal(12.34m, RoundTrip(12.34m));
        Assert.Equal('λ', RoundTrip('λ'));
        var id = Guid.NewGuid();
        Assert.Equal(id, RoundTrip(id));
        Assert.Equal(Color.Blue, RoundTrip(Color.Blue));
        Assert.Equal(TimeSpan.FromMinutes(3), RoundTrip(TimeSpan.FromMinutes(3)));
    }

    [Fact]
    public void Primitives_AreWrittenAsRawLittleEndianBytes()
    {
        Assert.Equal(new byte[] { 0x2A, 0, 0, 0 }, Payload.Serialize(42).ToArray());
        Assert.Equal(new byte[] { 7 }, Payload.Serialize(Color.Blue).ToArray());
    }

    [Fact]
    public void Strings_RoundTrip_IncludingNullEmptyAndUnicode()
    {
        Assert.Null(RoundTrip<string?>(null));
        Assert.Equal("", RoundTrip(""));
        Assert.Equal("héllo, 世界 🚀", RoundTrip("héllo, 世界 🚀"));
    }

    [Fact]
    public void PrimitiveArrays_UseTheFastPath_OneCountThenTheBytes()
    {
        var values = Enumerable.Range(0, 262144).Select(i => i * 0.5f).ToArray();

        var payload = Payload.Serialize(values);

        // A 3-byte varint count (262145) and then exactly the array's bytes: no per-element framing.
        Assert.Equal(3 + values.Length * sizeof(float), payload.Length);
        Assert.Equal(values, Payload.Deserialize<float[]>(payload.Span));
        Assert.Null(RoundTrip<int[]?>(null));
        Assert.Empty(RoundTrip(Array.Empty<double>()));
        Assert.Equal([1, 2, 3], RoundTrip(new byte[] { 1, 2, 3 }));
    }

    [Fact]
    public void Nullables_RoundTrip()
    {
        Assert.Null(RoundTrip<int?>(null));
        Assert.Equal(5, RoundTrip<int?>(5));
        Assert.Null(RoundTrip<Point?>(null));
    }

    [Fact]
    public void RecordsDtosAndCollections_RoundTrip()
    {
        var order = new Order("o-1", [new Point(1, 2), new Point(3, 4)], new() { ["a"] = 1 }, null, 3);
        var back = RoundTrip(order);
        Assert.Equal(order.Id, back.Id);
        Assert.Equal(order.Path, back.Path);
        Assert.Equal(order.Counts, back.Counts);
        Assert.Null(back.Origin);
        Assert.Equal(3, back.Priority);

        var dto = RoundTrip(new Dto { Name = "n", Values = [1, 2], When = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)) });
        Assert.Equal("n", dto.Name);
        Assert.Equal([1, 2], dto.Values);
        Assert.Equal(TimeSpan.FromHours(1), dto.When.Offset);

        Assert.Equal(["a", "b"], RoundTrip(new List<string> { "a", "b" }));
        Assert.Equal([new Point(0, 1)], RoundTrip<IReadOnlyList<Point>>([new Point(0, 1)]));
        Assert.Equal((1, "x"), RoundTrip((1, "x")));
    }

    [Fact]
    public void Payloads_CarryNoTypeNames()
    {
        var payload = Encoding.UTF8.GetString(Payload.Serialize(new Order("o", [], [], new Point(1, 1), null)).Span);

        Assert.DoesNotContain("Hoist", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("$type", payload, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(Point), payload, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralArguments_ReadBackInOrder()
    {
        using var writer = new PayloadWriter();
        writer.Write("text");
        writer.Write(7);
        writer.Write(new[] { 1.0, 2.0 });
        writer.Write(new Point(5, 6));

        var reader = new PayloadReader(writer.WrittenMemory.Span);
        Assert.Equal("text", reader.Read<string>());
        Assert.Equal(7, reader.Read<int>());
        Assert.Equal([1.0, 2.0], reader.Read<double[]>());
        Assert.Equal(new Point(5, 6), reader.Read<Point>());
        reader.EnsureEnd();
    }

    [Fact]
    public void TruncatedOrExtraBytes_AreFormatErrors_NotCrashes()
    {
        var full = Payload.Serialize(new[] { 1, 2, 3 }).ToArray();

        Assert.Throws<PayloadFormatException>(() => Payload.Deserialize<int[]>(full.AsSpan(0, full.Length - 1)));
        Assert.Throws<PayloadFormatException>(() => Payload.Deserialize<int>(new byte[] { 1, 2 }));
        Assert.Throws<PayloadFormatException>(() => Payload.Deserialize<int>(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Throws<PayloadFormatException>(() => Payload.Deserialize<Point>("\u0003\0\0\0{x:"u8));
        Assert.Throws<PayloadFormatException>(() => Payload.Deserialize<string>(new byte[] { 3, 0xFF, 0xFE }));
        Assert.Throws<PayloadFormatException>(() => Payload.Deserialize<long[]>(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }));
    }

    private static T RoundTrip<T>(T value) => Payload.Deserialize<T>(Payload.Serialize(value).Span);
}

using System.Globalization;
using System.Numerics;
using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

/// <summary>Each accepted shape comes back from a real worker exactly as it was sent, or as the method computes it locally.</summary>
[Collection(WorkersCollection.Name)]
public sealed class ShapeTests(HoistFixture fixture)
{
    private Shapes.RemoteProxy Shapes => TestApp.Shapes.Remote.WithInvoker(fixture.Client);

    [Fact]
    public async Task BigInteger_FactorialOf30_IsExact()
    {
        var expected = BigInteger.Parse("265252859812191058636308480000000", CultureInfo.InvariantCulture);

        Assert.Equal(expected, new Shapes().Factorial(30));
        Assert.Equal(expected, await Shapes.FactorialAsync(30));
    }

    [Fact]
    public async Task PrivateSetWithJsonInclude_AndConstructorOnlyMembers_RoundTrip()
    {
        var account = await Shapes.RenameAsync(new Account { Balance = 12.5m }, "ada");
        Assert.Equal("ada", account.Owner);
        Assert.Equal("ada:12.5", account.Label);

        var owned = await Shapes.EchoAsync(new Owned("bob", [3, 1, 2]));
        Assert.Equal("bob", owned.Owner);
        Assert.Equal(new[] { 3, 1, 2 }, owned.Scores);
    }

    [Fact]
    public async Task ReadonlyStructWithConstructor_RoundTrips()
    {
        var size = await Shapes.GrowAsync(new Size(3, 4), 2);

        Assert.Equal(5, size.Width);
        Assert.Equal(6, size.Height);
    }

    [Theory]
    [InlineData("x\uD83C")]
    [InlineData("\uDC00 then a pair \uD83C\uDF89")]
    [InlineData("héllo 🎉")]
    public async Task Strings_RoundTripExactlyInUtf16(string text)
    {
        Assert.Equal(text, await Shapes.EchoTextAsync(text));
        Assert.Equal(new[] { text, text }, await Shapes.EchoTextsAsync([text, text]));
    }

    [Fact]
    public async Task HundredNodeLinkedList_RoundTrips()
    {
        ListNode? head = null;
        for (var i = 100; i > 0; i--)
        {
            head = new ListNode { Value = i, Next = head };
        }

        var reversed = await Shapes.ReverseAsync(head!);

        var values = new List<int>();
        for (var node = reversed; node is not null; node = node.Next)
        {
            values.Add(node.Value);
        }

        Assert.Equal(Enumerable.Range(1, 100).Reverse(), values);
    }

    [Fact]
    public async Task Params_InheritedAndStaticMembers_HaveProxies()
    {
        Assert.Equal(24L, await Shapes.ProductAsync(2, 3, 4));
        Assert.Equal(1L, await Shapes.ProductAsync());
        Assert.Equal(6L, await Shapes.ProductAsync([2, 3], CancellationToken.None));
        Assert.Equal(42, await Shapes.TwiceAsync(21));
        Assert.Equal(17, await Shapes.VersionAsync());
#pragma warning disable CS0618 // The obsolete method is there to prove the generated code still compiles cleanly.
        Assert.Equal(1, await Shapes.LegacyAsync());
#pragma warning restore CS0618
    }

    [Fact]
    public async Task PolymorphicRecords_ComeBackAsTheirDerivedTypes()
    {
        Figure[] figures = [new Square("a", 2), new Disc("b", 0.5)];

        var back = await Shapes.FiguresAsync(figures);

        Assert.Equal(figures, back);
        Assert.IsType<Square>(back[0]);
        Assert.IsType<Disc>(back[1]);
    }

    [Fact]
    public async Task DtoWithEveryMemberKind_RoundTripsDeeplyEqual()
    {
        var catalog = new Catalog
        {
            Big = BigInteger.Pow(3, 100),
            ByNumber = { [1] = "one", [-7] = "minus seven" },
            ByShade = { [Shade.Dark] = Guid.NewGuid() },
            Figures = new Dictionary<string, IReadOnlyList<Figure>> { ["x"] = [new Square("s", 1.25)] },
            Cell = (3, "c3"),
            When = new DateTimeOffset(2026, 11, 30, 6, 0, 0, TimeSpan.FromHours(2)),
            Day = new DateOnly(2026, 11, 30),
            Jagged = [[1, 2], [], [3]],
            Tags = ["a", "b"],
            Maybe = null,
            Field = 0.1 + 0.2,
        };

        var back = await Shapes.EchoCatalogAsync(catalog);

        Assert.Equivalent(catalog, back, strict: true);
        Assert.Equal(catalog.Field, back.Field);
        Assert.Equal(catalog.When.Offset, back.When.Offset);
        Assert.IsType<Square>(back.Figures["x"][0]);
    }
}

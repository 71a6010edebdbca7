using System.Numerics;
using System.Text.Json.Serialization;
using Hoist.Serialization;

namespace Hoist.Runtime.Tests;

/// <summary>Values that used to come back different: each must round-trip exactly through the payload codecs.</summary>
public sealed class ExactPayloadTests
{
    public sealed class Node
    {
        public int Value { get; set; }

        public Node? Next { get; set; }
    }

    public sealed class Labelled
    {
        public string Label { get; set; } = "";

        public Dictionary<string, string> Tags { get; set; } = [];

        public BigInteger Big { get; set; }

        public BigInteger? Maybe { get; set; }

        public char Letter { get; set; }

        public Dictionary<char, int> ByLetter { get; set; } = [];
    }

    public sealed class Account
    {
        [JsonInclude]
        public string Owner { get; private set; } = "";

        public void Rename(string owner) => Owner = owner;
    }

    [Theory]
    [InlineData("x\uD83C")]
    [InlineData("\uDC00 low first")]
    [InlineData("pair \uD83C\uDF89 then lone \uD83C")]
    [InlineData("plain ascii")]
    [InlineData("héllo wörld 🎉")]
    [InlineData("")]
    public void String_RoundTripsExactlyInUtf16_LoneSurrogatesIncluded(string text)
    {
        Assert.Equal(text, RoundTrip(text));
        Assert.Equal(new[] { text, null, text }, RoundTrip(new[] { text, null, text }));

        var labelled = RoundTrip(new Labelled { Label = text, Tags = { ["k"] = text } });
        Assert.Equal(text, labelled.Label);
        Assert.Equal(text, labelled.Tags["k"]);
    }

    [Theory]
    [InlineData('\uD83C')]
    [InlineData('\uDC00')]
    [InlineData('λ')]
    [InlineData('"')]
    public void Char_InsideDtos_RoundTripsExactly(char letter)
    {
        var back = RoundTrip(new Labelled { Letter = letter, ByLetter = { ['k'] = 1 } });

        Assert.Equal(letter, back.Letter);
        Assert.Equal(1, back.ByLetter['k']);
    }

    [Fact]
    public void String_WellFormed_StaysCompactUtf8()
    {
        // One header byte, then the UTF-8 bytes: nothing wider than before.
        Assert.Equal(1 + 5, Payload.Serialize("hello").Length);
        Assert.Equal(1 + 4, Payload.Serialize("x\uD83C").Length);
    }

    [Fact]
    public void BigInteger_RoundTripsExactly_AtTheTopAndInsideDtos()
    {
        var factorial = Enumerable.Range(1, 30).Aggregate(BigInteger.One, (product, i) => product * i);
        Assert.Equal(BigInteger.Parse("265252859812191058636308480000000", System.Globalization.CultureInfo.InvariantCulture), factorial);

        Assert.Equal(factorial, RoundTrip(factorial));
        Assert.Equal(-factorial, RoundTrip(-factorial));
        Assert.Null(RoundTrip<BigInteger?>(null));
        var labelled = RoundTrip(new Labelled { Big = factorial, Maybe = -factorial });
        Assert.Equal(factorial, labelled.Big);
        Assert.Equal(-factorial, labelled.Maybe);
    }

    [Fact]
    public void LinkedList_OfHundredsOfNodes_RoundTrips()
    {
        Node? head = null;
        for (var i = 500; i > 0; i--)
        {
            head = new Node { Value = i, Next = head };
        }

        var back = RoundTrip(head!);
        var values = new List<int>();
        for (var node = back; node is not null; node = node.Next)
        {
            values.Add(node.Value);
        }

        Assert.Equal(Enumerable.Range(1, 500), values);
    }

    [Fact]
    public void TooDeep_FailsNamingTheDepth()
    {
        Node? head = null;
        for (var i = 0; i < HoistJson.MaxDepth + 10; i++)
        {
            head = new Node { Value = i, Next = head };
        }

        var error = Assert.ThrowsAny<Exception>(() => Payload.Serialize(head));
        Assert.Contains(HoistJson.MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateSetter_WithJsonInclude_RoundTrips()
    {
        var account = new Account();
        account.Rename("ada");

        Assert.Equal("ada", RoundTrip(account).Owner);
    }

    [Fact]
    public void JsonArguments_ReadDeepTreesAndBigIntegers()
    {
        var depth = string.Concat(Enumerable.Repeat("{\"next\":", 100)) + "null" + new string('}', 100);
        using var arguments = new JsonArguments(System.Text.Encoding.UTF8.GetBytes($"[{depth}, 265252859812191058636308480000000, [120, 55356]]"), 3);

        Assert.NotNull(arguments.Read<Node>(0, "head"));
        Assert.Equal(BigInteger.Parse("265252859812191058636308480000000", System.Globalization.CultureInfo.InvariantCulture), arguments.Read<BigInteger>(1, "big"));
        Assert.Equal("x\uD83C", arguments.Read<string>(2, "text"));
    }

    private static T RoundTrip<T>(T value) => Payload.Deserialize<T>(Payload.Serialize(value).Span);
}

using System.Numerics;
using System.Text.Json.Serialization;

namespace Hoist.TestApp;

// The shapes corpus that must round-trip exactly through a real worker; each was a wrong result or a run-time
// failure before Hoist decided wire shapes at compile time.

/// <summary>A get-only property set by a private setter, restored through [JsonInclude].</summary>
public sealed class Account
{
    [JsonInclude]
    public string Owner { get; private set; } = "";

    public decimal Balance { get; set; }

    public string Label => $"{Owner}:{Balance}";

    public void Rename(string owner) => Owner = owner;
}

/// <summary>Get-only properties restored through the only public constructor.</summary>
public sealed class Owned(string owner, IReadOnlyList<int> scores)
{
    public string Owner { get; } = owner;

    public IReadOnlyList<int> Scores { get; } = scores;
}

/// <summary>A readonly struct restored through its [JsonConstructor].</summary>
[method: JsonConstructor]
public readonly struct Size(int width, int height)
{
    public int Width { get; } = width;

    public int Height { get; } = height;
}

public sealed class ListNode
{
    public int Value { get; set; }

    public ListNode? Next { get; set; }
}

[JsonDerivedType(typeof(Square), "square")]
[JsonDerivedType(typeof(Disc), "disc")]
public abstract record Figure(string Name);

public sealed record Square(string Name, double Side) : Figure(Name);

public sealed record Disc(string Name, double Radius) : Figure(Name);

public enum Shade
{
    Light,
    Dark,
}

/// <summary>Many member kinds at once: the DTO-heavy shape.</summary>
public sealed class Catalog
{
    public BigInteger Big { get; set; }

    public Dictionary<int, string> ByNumber { get; set; } = [];

    public Dictionary<Shade, Guid> ByShade { get; set; } = [];

    public IReadOnlyDictionary<string, IReadOnlyList<Figure>> Figures { get; set; } = new Dictionary<string, IReadOnlyList<Figure>>();

    public (int Row, string Name) Cell { get; set; }

    public DateTimeOffset When { get; set; }

    public DateOnly Day { get; set; }

    public int[][] Jagged { get; set; } = [];

    public HashSet<string> Tags { get; set; } = [];

    public int? Maybe { get; set; }

    public double Field;
}

/// <summary>Base-class methods are served by the class service that derives from it.</summary>
public class ShapesBase
{
    public int Twice(int value) => 2 * value;
}

[Compute(Name = "shapes", LaunchTimeout = 60)]
public partial class Shapes : ShapesBase
{
    public static int Version() => 17;

    public BigInteger Factorial(int n) => Enumerable.Range(1, n).Aggregate(BigInteger.One, (product, i) => product * i);

    public Account Rename(Account account, string owner)
    {
        account.Rename(owner);
        return account;
    }

    public Owned Echo(Owned owned) => owned;

    public Size Grow(Size size, int by) => new(size.Width + by, size.Height + by);

    public string EchoText(string text) => text;

    public string[] EchoTexts(string[] texts) => texts;

    public ListNode Reverse(ListNode head)
    {
        ListNode? reversed = null;
        for (var node = head; node is not null;)
        {
            var next = node.Next;
            node.Next = reversed;
            reversed = node;
            node = next;
        }

        return reversed!;
    }

    public long Product(params int[] factors) => factors.Aggregate(1L, (product, f) => product * f);

    public IReadOnlyList<Figure> Figures(IReadOnlyList<Figure> figures) => figures;

    public Catalog EchoCatalog(Catalog catalog) => catalog;

    [Obsolete("Kept to prove generated code compiles without warnings when it calls obsolete members.")]
    public int Legacy() => 1;
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>
/// The wire contract the generator derives for each method: the same text and fingerprint for the same wire shape in
/// every build and on every machine, untouched by bodies and comments, and different for every change that would make
/// a caller and a worker read the same bytes differently.
/// </summary>
public sealed partial class WireContractTests
{
    private const string Calc = """
        using Hoist;

        namespace MyApp;

        public sealed record Pair(int Left, int Right);

        public static partial class Calc
        {
            [Compute]
            public static int Add(Pair p) => p.Left + p.Right;
        }
        """;

    [Fact]
    public void ReadOnlyMemoryAndMemory_HaveTheContractOfTheArray_TheSameBytesOnTheWire()
    {
        const string Tensors = """
            using System;
            using Hoist;

            namespace MyApp;

            public static partial class Tensors
            {
                [Compute]
                public static float[] Scale(float[] input, double[] weights) => input;
            }
            """;
        var arrays = ContractOf(Tensors, "Scale");
        var memories = ContractOf(Tensors.Replace("float[] Scale(float[] input, double[] weights)", "ReadOnlyMemory<float> Scale(ReadOnlyMemory<float> input, Memory<double> weights)", StringComparison.Ordinal), "Scale");

        Assert.Equal("Scale(input: float[] [raw], weights: double[] [raw]) -> float[] [raw]", memories.Shape);
        Assert.Equal(arrays, memories);
    }

    [Fact]
    public void Fingerprint_IsTheFnv1aHashOfTheShape_AndTheSameInEveryRun()
    {
        var (fingerprint, shape) = ContractOf(Calc, "Add");

        Assert.Equal("Add(p: Pair [json]) -> int [raw]\nPair { Left: int, Right: int } new(Left, Right)", shape);
        Assert.Equal(Fnv1a64("hoist-wire/1\n" + shape), fingerprint);

        // A pure function of the text: this value holds on any machine, in any process, in any later build.
        Assert.Equal(0xF5738253BADFD7CBUL, fingerprint);
        Assert.Equal(fingerprint, ContractOf(Calc, "Add").Fingerprint);
    }

    [Theory]
    [InlineData("public static int Add(Pair p) => p.Left + p.Right;", "public static int Add(Pair p) => p.Right + p.Left + 0;")]
    [InlineData("public static int Add(Pair p) => p.Left + p.Right;", "// Adds them.\n    public static int Add(Pair p)\n    {\n        return checked(p.Left + p.Right);\n    }")]
    [InlineData("public sealed record Pair(int Left, int Right);", "/// <summary>Two numbers.</summary>\npublic sealed record Pair(int Left, int Right) { public int Sum => Left + Right; private static int s_made; }")]
    [InlineData("[Compute]", "[Compute(Cpus = 2, Memory = \"1Gi\")]")]
    public void Fingerprint_IsUnchanged_ByABodyACommentOrAnythingTheWireNeverSees(string before, string after)
    {
        var edited = Calc.Replace(before, after, StringComparison.Ordinal);
        Assert.NotEqual(Calc, edited);

        // A computed get-only property is written, so it is on the wire; Sum is the one exception above, and is checked below.
        var (original, originalShape) = ContractOf(Calc, "Add");
        var (changed, changedShape) = ContractOf(edited, "Add");
        if (after.Contains("Sum", StringComparison.Ordinal))
        {
            Assert.Contains("Sum: int", changedShape, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(originalShape, changedShape);
        Assert.Equal(original, changed);
    }

    [Theory]
    [InlineData("renamed member", "record Pair(int Left, int Right)", "record Pair(int A, int Right)", "Pair { A: int, Right: int } new(A, Right)")]
    [InlineData("added member", "record Pair(int Left, int Right)", "record Pair(int Left, int Right, int Carry)", "Pair { Left: int, Right: int, Carry: int } new(Left, Right, Carry)")]
    [InlineData("removed member", "record Pair(int Left, int Right)", "record Pair(int Left)", "Pair { Left: int } new(Left)")]
    [InlineData("changed member type", "record Pair(int Left, int Right)", "record Pair(long Left, int Right)", "Pair { Left: long, Right: int } new(Left, Right)")]
    [InlineData("reordered positional record", "record Pair(int Left, int Right)", "record Pair(int Right, int Left)", "Pair { Right: int, Left: int } new(Right, Left)")]
    [InlineData("renamed parameter", "Add(Pair p)", "Add(Pair q)", "Add(q: Pair [json]) -> int [raw]")]
    [InlineData("changed result type", "public static int Add", "public static long Add", "-> long [raw]")]
    public void Fingerprint_Changes_WithTheWireShape(string change, string before, string after, string expectedShapeLine)
    {
        var edited = Calc.Replace(before, after, StringComparison.Ordinal).Replace("p.Left + p.Right", "0", StringComparison.Ordinal);
        var (original, _) = ContractOf(Calc, "Add");
        var (changed, shape) = ContractOf(edited, "Add");

        Assert.True(original != changed, $"A {change} must change the fingerprint.");
        Assert.Contains(expectedShapeLine, shape, StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_Changes_WithAnEnumValue_AndNamesNestedAndDerivedTypes()
    {
        const string Source = """
            using System.Collections.Generic;
            using System.Text.Json.Serialization;
            using Hoist;

            namespace MyApp;

            public enum Color { Red = 1, Green = 2 }
            [JsonDerivedType(typeof(Circle), "circle")]
            public abstract record Figure;
            public sealed record Circle(double Radius, Color Color) : Figure;
            public sealed class Canvas { public List<Figure> Figures { get; set; } = new(); public Dictionary<string, Color> Legend { get; set; } = new(); }

            public static partial class Paint
            {
                [Compute]
                public static int Draw(Canvas canvas) => canvas.Figures.Count;
            }
            """;

        var (original, shape) = ContractOf(Source, "Draw");
        Assert.Equal(
            "Draw(canvas: Canvas [json]) -> int [raw]\n" +
            "Canvas { Figures: List<Figure>, Legend: Dictionary<string, Color> }\n" +
            "Figure abstract derived(circle: Circle)\n" +
            "enum Color : int { Red = 1, Green = 2 }\n" +
            "Circle { Radius: double, Color: Color } new(Radius, Color)",
            shape);

        var (changed, changedShape) = ContractOf(Source.Replace("Green = 2", "Green = 3", StringComparison.Ordinal), "Draw");
        Assert.NotEqual(original, changed);
        Assert.Contains("enum Color : int { Red = 1, Green = 3 }", changedShape, StringComparison.Ordinal);

        var (discriminated, _) = ContractOf(Source.Replace("\"circle\"", "\"round\"", StringComparison.Ordinal), "Draw");
        Assert.NotEqual(original, discriminated);
    }

    [Fact]
    public void Contract_IsWrittenIntoTheProxy_TheDescriptor_AndItsJson()
    {
        var run = GeneratorHarness.Run(Calc);
        var (fingerprint, _) = ContractOf(Calc, "Add");
        var hex = "0x" + fingerprint.ToString("X16", CultureInfo.InvariantCulture) + "UL";

        Assert.Contains($"new global::Hoist.Dispatch.RemoteMethod(\"add\", \"Add\", {hex})", run.Source("MyApp.Calc.Remote.g.cs"), StringComparison.Ordinal);
        Assert.Contains(
            $"\\\"wireContracts\\\":[{{\\\"method\\\":\\\"Add\\\",\\\"fingerprint\\\":{fingerprint.ToString(CultureInfo.InvariantCulture)},",
            run.Source("Hoist.ServiceDescriptors.g.cs"),
            StringComparison.Ordinal);
    }

    private static (ulong Fingerprint, string Shape) ContractOf(string source, string method)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        // The service table reads its descriptor from the JSON it embeds; read that JSON as the runtime does.
        var table = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(run.Source("Hoist.ServiceTable.g.cs"));
        var contracts = table.GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax>()
            .Where(l => l.Token.ValueText.StartsWith("{\"name\":", StringComparison.Ordinal))
            .SelectMany(l => ServiceDescriptorJson.Deserialize(l.Token.ValueText).WireContracts)
            .Where(c => c.Method == method)
            .ToList();
        var contract = Assert.Single(contracts);
        return (contract.Fingerprint, contract.Shape);
    }

    /// <summary>The contract the generator writes for a method of this shape, its fingerprint computed here on its own.</summary>
    internal static WireContract Contract(string method, string shape) => new(method, Fnv1a64("hoist-wire/1\n" + shape), shape);

    private static ulong Fnv1a64(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}

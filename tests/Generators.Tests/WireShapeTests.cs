using System.Globalization;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>
/// The shapes corpus: each type that cannot round-trip exactly is refused at the parameter or return type
/// that carries it, naming the member path that fails and why; each one that can compiles cleanly.
/// </summary>
public sealed class WireShapeTests
{
    private const string Types = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Numerics;
        using System.Text.Json;
        using System.Text.Json.Nodes;
        using System.Text.Json.Serialization;
        using System.Threading;
        using System.Threading.Tasks;

        namespace MyApp;

        public sealed class Bag { public Dictionary<string, object> Meta { get; set; } = new(); }
        public sealed class Raw { public JsonElement Value { get; set; } }
        public sealed class Tree { public JsonNode? Node { get; set; } }
        public sealed class Profile { public string Owner { get; private set; } = ""; }
        public readonly struct Size { public Size(int width) { Width = width; } public int Width { get; } }
        public sealed class Secret { private int _hidden = 1; public int Peek() => _hidden; }
        public sealed class Frozen { public readonly int Value = 1; }
        public sealed class Mismatch { public Mismatch(int zed) { } public int X { get; set; } }
        public sealed class Two { public Two(int a) { A = a; } public Two(string b) { A = 0; } public int A { get; } }
        public class Animal { public string Name { get; set; } = ""; }
        public sealed class Dog : Animal { public bool Good { get; set; } }
        public abstract class Shape { }
        [JsonDerivedType(typeof(Circle))] public abstract class Unnamed { }
        public sealed class Circle : Unnamed { public double R { get; set; } }
        [JsonDerivedType(typeof(Cat), "cat")] public abstract class Pet { }
        public sealed class Cat : Pet { public int Lives { get; set; } }
        public sealed class Fish : Pet { public int Fins { get; set; } }
        public sealed class Grid { public Dictionary<(int Row, int Col), string> Cells { get; set; } = new(); }
        public sealed record Point(int X, int Y);
        public sealed class ByPoint { public Dictionary<Point, int> Counts { get; set; } = new(); }
        public sealed class Holder { public MemoryStream Data { get; set; } = new(); }
        public sealed class Callback { public Func<int> Run { get; set; } = () => 1; }
        public sealed class Pending { public Task<int> Result { get; set; } = Task.FromResult(1); }
        public sealed class Tokened { public CancellationToken Token { get; set; } }
        public sealed class Handle { public nint Pointer { get; set; } }
        public sealed class Matrix { public double[,] Cells { get; set; } = new double[1, 1]; }
        public sealed class Pile { public Stack<int> Items { get; set; } = new(); }
        public sealed class Bits : List<int> { public int Extra { get; set; } }
        public sealed class Wrapper { public Outer Inner { get; set; } = new(); }
        public sealed class Outer { public List<Bag> Bags { get; set; } = new(); }
        public sealed class Node { public int Value { get; set; } public Node? Next { get; set; } }
        public sealed class Looper { public Looper? Self { get; set; } public object? Payload { get; set; } }
        public sealed class Logged { public Exception? Error { get; set; } }
        public sealed class Items { public List<int> Values { get; } = new(); }
        public sealed class TwoMarked { [JsonConstructor] public TwoMarked(int a) { A = a; } [JsonConstructor] public TwoMarked(long a) { A = (int)a; } public int A { get; } }
        [JsonDerivedType(typeof(Point), "point")] public abstract class Stranger { }
        public sealed class Cased { public int Name { get; set; } public int name; }
        public sealed class Renamed { [JsonPropertyName("v")] public int A { get; set; } [JsonPropertyName("V")] public int B { get; set; } }
        [JsonDerivedType(typeof(TwinA), "x")] [JsonDerivedType(typeof(TwinB), "x")] public abstract class Twins { }
        public sealed class TwinA : Twins { }
        public sealed class TwinB : Twins { }
        public sealed class Growing<T> { public T? Value { get; set; } public Growing<List<T>>? Next { get; set; } }
        """;

    [Theory]
    [InlineData("Bag", "'Bag.Meta[value]': 'object' does not say which type to read")]
    [InlineData("Raw", "'Raw.Value': 'JsonElement' is untyped JSON")]
    [InlineData("Tree", "'Tree.Node': 'JsonNode' is untyped JSON")]
    [InlineData("Profile", "'Profile.Owner': nothing can restore it on the other side")]
    [InlineData("Size", "'Size.Width': nothing can restore it")]
    [InlineData("Secret", "'Secret._hidden': private field '_hidden' is never sent")]
    [InlineData("Frozen", "'Frozen.Value': it is a readonly field no constructor parameter sets")]
    [InlineData("Mismatch", "constructor parameter 'zed' matches no public property or field")]
    [InlineData("Two", "'Two' has 2 public constructors and none without parameters")]
    [InlineData("Animal", "'Animal' has derived types ('Dog') that would come back as a plain 'Animal'")]
    [InlineData("Shape", "'Shape' is abstract, so the other side cannot know which type to create")]
    [InlineData("Unnamed", "has no type discriminator")]
    [InlineData("Pet", "'Fish' derives from 'Pet' but is not listed in its [JsonDerivedType] attributes")]
    [InlineData("Grid", "'Grid.Cells[key]': '(int Row, int Col)' cannot be a dictionary key")]
    [InlineData("ByPoint", "'ByPoint.Counts[key]': 'Point' cannot be a dictionary key")]
    [InlineData("Holder", "'Holder.Data': 'MemoryStream' is a stream, not data")]
    [InlineData("MemoryStream", "'MemoryStream' is a stream, not data")]
    [InlineData("Callback", "'Callback.Run': 'Func<int>' is a delegate")]
    [InlineData("Pending", "'Pending.Result': 'Task<int>' is not data")]
    [InlineData("Tokened", "'Tokened.Token': 'CancellationToken' is not data")]
    [InlineData("Handle", "'Handle.Pointer': 'nint' is pointer-sized")]
    [InlineData("nint", "'nint' is pointer-sized")]
    [InlineData("nuint", "'nuint' is pointer-sized")]
    [InlineData("Matrix", "'Matrix.Cells': 'double[,]' is a multi-dimensional array")]
    [InlineData("int[,]?", "'int[,]' is a multi-dimensional array")]
    [InlineData("Pile", "'Pile.Items': 'Stack<int>' comes back in reverse order")]
    [InlineData("Bits", "'Bits' is a collection type of its own")]
    [InlineData("Wrapper", "'Wrapper.Inner.Bags[].Meta[value]': 'object'")]
    [InlineData("Looper", "'Looper.Payload': 'object'")]
    [InlineData("Logged", "'Logged.Error': 'Exception' is a .NET type that Hoist cannot send exactly")]
    [InlineData("Items", "'Items.Values': nothing can restore it")]
    [InlineData("List<Dictionary<string, JsonElement>>", "'List<Dictionary<string, JsonElement>>[][value]': 'JsonElement' is untyped JSON")]
    [InlineData("System.Numerics.Complex", "'Complex' is a .NET type that Hoist cannot send exactly")]
    [InlineData("IReadOnlySet<int>", "'IReadOnlySet<int>' cannot be read back")]
    [InlineData("Dictionary<double, int>", "'double' cannot be a dictionary key")]
    [InlineData("TwoMarked", "'TwoMarked' has 2 constructors marked [JsonConstructor]")]
    [InlineData("Stranger", "names a type that does not derive from it")]
    [InlineData("Cased", "'Name' and 'name' have the same JSON name but for case")]
    [InlineData("Renamed", "'A' and 'B' have the same JSON name")]
    [InlineData("Twins", "use the discriminator \"x\"")]
    [InlineData("Growing<int>", "nested more than 64 types deep")]
    [InlineData("System.Text.StringBuilder", "'StringBuilder' is a .NET type that Hoist cannot send exactly")]
    [InlineData("ReadOnlyMemory<string>", "'ReadOnlyMemory<string>' crosses the wire only with elements of a primitive type")]
    [InlineData("Memory<Point>", "'Memory<Point>' crosses the wire only with elements of a primitive type (the codec copies their bytes, or shares them in place): use Point[] or List<Point>")]
    public void Parameter_ThatCannotRoundTrip_IsRefusedAtTheParameter(string type, string reason)
    {
        var (run, diagnostic) = Single("HOIST014", Types + Service($"public static int Run({type} value) => 1;"));

        Assert.Equal($"{type} value", run.SpanText(diagnostic));
        Assert.Contains(reason, diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(run.Sources);
    }

    [Theory]
    [InlineData("Bag", "'Bag.Meta[value]': 'object'")]
    [InlineData("Task<Animal>", "'Animal' has derived types ('Dog')")]
    [InlineData("ValueTask<double[,]>", "'double[,]' is a multi-dimensional array")]
    [InlineData("Size", "'Size.Width': nothing can restore it")]
    public void Result_ThatCannotRoundTrip_IsRefusedAtTheReturnType(string type, string reason)
    {
        var (run, diagnostic) = Single("HOIST015", Types + Service($"public static {type} Run(int value) => throw null!;"));

        Assert.Equal(type, run.SpanText(diagnostic));
        Assert.Contains(reason, diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Shapes_ThatRoundTripExactly_CompileCleanly()
    {
        const string Good = """
            public sealed record Line(string Sku, int Quantity, decimal Price);
            public sealed class Account
            {
                [JsonInclude] public string Owner { get; private set; } = "";
                public decimal Balance { get; set; }
                public string Label => Owner + ":" + Balance;
                public void Rename(string owner) => Owner = owner;
            }
            public sealed class Sealed { public Sealed(string owner) { Owner = owner; } public string Owner { get; } }
            public readonly struct Extent { [JsonConstructor] public Extent(int width, int height) { Width = width; Height = height; } public int Width { get; } public int Height { get; } }
            public readonly record struct Pair(int A, string B);
            public sealed class ListNode { public int Value { get; set; } public ListNode? Next { get; set; } }
            [JsonDerivedType(typeof(Square), "square")] [JsonDerivedType(typeof(Disc), "disc")] public abstract record Figure;
            public sealed record Square(double Side) : Figure;
            public sealed record Disc(double Radius) : Figure;
            public sealed class Page<T> { public List<T> Items { get; set; } = new(); public int Total { get; set; } }
            public enum Color { Red, Green }
            public sealed class Observed
            {
                [JsonIgnore] private readonly object _gate = new();
                public int Value { get; set; }
                public event Action? Changed;
                public void Raise() { lock (_gate) { Changed?.Invoke(); } }
            }
            [JsonConverter(typeof(OpaqueConverter))] public sealed class Opaque { private readonly string _text = ""; public override string ToString() => _text; }
            public sealed class OpaqueConverter : JsonConverter<Opaque>
            {
                public override Opaque Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new();
                public override void Write(Utf8JsonWriter writer, Opaque value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
            }
            public sealed class Everything
            {
                public BigInteger Big { get; set; }
                public Dictionary<int, string> ByNumber { get; set; } = new();
                public Dictionary<Color, Guid> ByColor { get; set; } = new();
                public IReadOnlyDictionary<string, IReadOnlyList<Line>> Lines { get; set; } = new Dictionary<string, IReadOnlyList<Line>>();
                public (int Row, string Name) Tuple { get; set; }
                public KeyValuePair<string, int> Entry { get; set; }
                public DateTimeOffset When { get; set; }
                public DateOnly Day { get; set; }
                public TimeSpan Span { get; set; }
                public Uri? Link { get; set; }
                public Version? Version { get; set; }
                public int[][] Jagged { get; set; } = [];
                public HashSet<string> Tags { get; set; } = new();
                public int? Maybe { get; set; }
                public int Field;
                [JsonIgnore] public object? Cache { get; set; }
                public Opaque Custom { get; set; } = new();
                [JsonConverter(typeof(OpaqueConverter))] public Opaque Member { get; set; } = new();
            }
            """;
        var run = GeneratorHarness.Run(Types + Good + """
            public static partial class Shapes
            {
                [Hoist.Compute]
                public static Account Run(Observed observed, Line line, Sealed owner, Extent extent, Pair pair, ListNode list, Figure figure, Page<Line> page, Everything all, BigInteger factorial) => throw null!;

                [Hoist.Compute]
                public static Task<IReadOnlyList<Figure>> Figures(params int[] sides) => throw null!;

                [Hoist.Compute]
                public static ReadOnlyMemory<float> Tensor(ReadOnlyMemory<float> input, Memory<double> scratch, ReadOnlyMemory<byte> bytes) => throw null!;
            }
            """);

        Assert.Null(run.Result.Exception);
        Assert.Empty(run.Diagnostics);
        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Params_IsKeptOnTheProxy()
    {
        var run = GeneratorHarness.Run(
            Service("public static int Product(params int[] factors) => 1;"),
            """
            namespace MyApp;

            public static class Caller
            {
                public static System.Threading.Tasks.Task<int> Call() => Shapes.Remote.ProductAsync(2, 3, 4);

                public static System.Threading.Tasks.Task<int> CallWithToken(System.Threading.CancellationToken ct) => Shapes.Remote.ProductAsync([2, 3], ct);
            }
            """);

        Assert.Empty(run.Diagnostics);
        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void ClassService_ServesInheritedAndStaticMethods()
    {
        var run = GeneratorHarness.Run(
            """
            using Hoist;

            namespace MyApp;

            public class Counter
            {
                public int Twice(int x) => 2 * x;

                public virtual int Name() => 1;
            }

            [Compute]
            public partial class Service : Counter
            {
                public override int Name() => 2;

                public static int Version() => 3;
            }

            public static class Caller
            {
                public static async System.Threading.Tasks.Task<int> Call() =>
                    await Service.Remote.TwiceAsync(1) + await Service.Remote.NameAsync() + await Service.Remote.VersionAsync();
            }
            """);

        Assert.Empty(run.Diagnostics);
        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void InheritedParamsAndObsoleteMembers_GenerateDocumentedCodeWithoutWarnings()
    {
        var parseOptions = new Microsoft.CodeAnalysis.CSharp.CSharpParseOptions(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest, DocumentationMode.Diagnose);
        var compilation = GeneratorHarness.CreateCompilation(
            ["""
            using System;
            using Hoist;

            namespace MyApp;

            /// <summary>A generic base.</summary>
            public class Store<T>
            {
                /// <summary>Echoes.</summary>
                public T Echo(T value) => value;
            }

            /// <summary>A service.</summary>
            [Compute]
            public partial class Numbers : Store<int>
            {
                /// <summary>Multiplies.</summary>
                public long Product(string label, int scale = 2, params int[] factors) => scale * factors.Length + label.Length;

                /// <summary>Old.</summary>
                [Obsolete("use Product")]
                public int Old(OldKind kind = OldKind.A) => (int)kind;
            }

            /// <summary>An obsolete type in an obsolete method's signature.</summary>
            [Obsolete]
            public enum OldKind
            {
                /// <summary>A.</summary>
                A,
            }

            /// <summary>Old services.</summary>
            public static partial class Legacy
            {
                /// <summary>Old.</summary>
                [Obsolete]
                [Compute]
                public static int Run(int value) => value;
            }
            """],
            referenceRuntime: true,
            parseOptions);

        var run = GeneratorHarness.Run(compilation, parseOptions);

        Assert.Empty(run.Diagnostics);
        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void ObsoleteAsError_MethodService_IsHOIST017_AndClassServiceSkipsIt()
    {
        var (run, diagnostic) = Single("HOIST017", """
            using System;
            using Hoist;

            public static partial class Old
            {
                [Obsolete("gone", true)]
                [Compute]
                public static int Run(int value) => value;
            }

            [Compute]
            public partial class Kept
            {
                [Obsolete("gone", true)]
                public int Gone() => 1;

                [Obsolete("use Now")]
                public int Then() => 1;

                public int Now() => 2;
            }
            """);

        Assert.Equal("Run", run.SpanText(diagnostic));
        Assert.Contains("[Obsolete] as an error", diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var proxy = run.Source("Kept.Remote.g.cs");
        Assert.DoesNotContain("GoneAsync", proxy, StringComparison.Ordinal);
        Assert.Contains("[global::System.Obsolete(\"use Now\")]", proxy, StringComparison.Ordinal);
        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void ClassService_GenericMethod_IsHOIST023()
    {
        var (run, diagnostic) = Single("HOIST023", """
            using Hoist;

            [Compute]
            public partial class Mapper
            {
                public T Identity<T>(T value) => value;
            }
            """);

        Assert.Equal("Identity", run.SpanText(diagnostic));
        Assert.Contains("make it non-generic, or private or protected", diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public partial class Sizer(int size) { public int Size() => size; }", "int size", "'int'")]
    [InlineData("public partial class Padder { public Padder(int width = 8) { } public int Pad() => 1; }", "int width = 8", "'int'")]
    [InlineData("public partial record Tuner(double Gain) { public double Tune() => Gain; }", "double Gain", "'double'")]
    [InlineData("public partial class Named(string name) { public string Name() => name; }", "string name", "'string'")]
    [InlineData("public partial class Many(int[] sizes) { public int Count() => sizes.Length; }", "int[] sizes", "'int[]'")]
    public void ClassService_ConstructorValueParameter_IsHOIST019(string declaration, string span, string type)
    {
        var (run, diagnostic) = Single("HOIST019", "using Hoist;\n[Compute]\n" + declaration);

        Assert.Equal(span, run.SpanText(diagnostic));
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains(type, message, StringComparison.Ordinal);
        Assert.Contains("IOptions<T> or IConfiguration", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassService_ConstructorServices_AreAllowed()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Hoist;

            public interface IClock { DateTime Now { get; } }
            public sealed class Cache { }

            [Compute]
            public partial class Service(IClock clock, Cache cache, IServiceProvider services, Func<int> factory)
            {
                public int Run() => clock.Now.Second + factory() + (cache is null ? 0 : 1) + (services is null ? 0 : 1);
            }
            """);

        Assert.Empty(run.Diagnostics);
    }

    private static string Service(string method) => $$"""

        public static partial class Shapes
        {
            [Hoist.Compute]
            {{method}}
        }
        """;

    private static (GeneratorRun Run, Diagnostic Diagnostic) Single(string id, string source) => GeneratorHarness.RunExpectingOne(id, source);
}

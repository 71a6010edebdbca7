using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>Odd, half-typed and invalid code produces a diagnostic or nothing, never a generator exception.</summary>
public sealed class RobustnessTests
{
    public static TheoryData<string> OddSources => new()
    {
        // Types that do not exist.
        "using Hoist; public static partial class A { [Compute] public static Missing Run(Unknown value) => default!; }",
        "using Hoist; [Compute] public partial class A(IMissing model) { public Missing Run() => default!; }",
        // Attributes where they do not belong.
        "using Hoist; public static partial class A { [Compute] public static int P { get; } }",
        "using Hoist; public static partial class A { [Compute] public static int F; }",
        "using Hoist; [Compute] public partial struct S { public int Run() => 1; }",
        "using Hoist; [Compute] public partial interface I { int Run(); }",
        "using Hoist; [Compute] public enum E { A }",
        "using Hoist; [Compute] public delegate int D();",
        "using Hoist; public static partial class A { public static int Run([Compute] int x) => x; }",
        "using Hoist; public static partial class A { [return: Compute] public static int Run() => 1; }",
        "using Hoist; public partial class A { [Compute] public A() { } [Compute] ~A() { } [Compute] public static A operator +(A a, A b) => a; }",
        "using Hoist; public static partial class A { public static void Run() { [Compute] static int Local() => 1; System.Func<int> f = [Compute] () => 1; } }",
        "using Hoist; [assembly: Compute] [module: Compute]",
        "using Hoist; public partial interface I { [Compute] static int Run() => 1; [Compute] static abstract int Abstract(); }",
        "using Hoist; public static partial class A { [Compute] public static partial int Run(); }",
        "using Hoist; public static partial class A { [Compute] public static extern int Run(); }",
        "using Hoist; public partial class A : System.IDisposable { [Compute] void System.IDisposable.Dispose() { } }",
        "using Hoist; public static partial class A { extension(string s) { [Compute] public int Run() => 1; } }",
        "using Hoist; file static partial class A { [Compute] public static int Run() => 1; }",
        "using Hoist; public static partial class A<T> { [Compute] public static T Run(T value) => value; }",
        "using Hoist; public partial record R(int X) { [Compute] public static int Run() => 1; }",
        "using Hoist; [Compute] public partial record R(int X) { public int Run() => X; }",
        "using Hoist; [Compute] public static partial class A { }",
        "using Hoist; [Compute] public static partial class A { [Compute] public static int Run() => 1; }",
        // Wrong, missing and duplicated arguments.
        "using Hoist; public static partial class A { [Compute(Gpus = \"one\", Memory = 5, Name = 3)] public static int Run() => 1; }",
        "using Hoist; public static partial class A { [Distribute] public static int Run() => 1; }",
        "using Hoist; public static partial class A { [Distribute(42, Workers = \"x\")] public static int Run() => 1; }",
        "using Hoist; public static partial class A { [Distribute(null!, Workers = 2)] public static int Run() => 1; }",
        "using Hoist; public static partial class A { [Autoscale(Window = null!, Metric = null!, Target = double.NaN)] public static int Run() => 1; }",
        "using Hoist; public static partial class A { [Compute(Name = null, Image = \"\", Cpus = double.PositiveInfinity)] public static int Run() => 1; }",
        "using Hoist; public static partial class A { [Compute, Compute(Gpus = 2)] [Compute] public static int Run() => 1; }",
        "using Hoist; public static partial class A { [Compute(Unknown = 1)] public static int Run() => 1; }",
        "using Hoist; public static partial class A { [Hoist.Compute(Image = \"rayproject/ray:2.9.0\")] [global::Hoist.Autoscale()] [Hoist.DistributeAttribute(\"ray\", Workers = 1)] public static int Run() => 1; }",
        // Half-typed code.
        "using Hoist; public static partial class A { [Compute(Gpus = 1 public static int Run(",
        "using Hoist; public static partial class A { [Compute(",
        "using Hoist; public static partial class A { [Compute] public static",
        "using Hoist; public static partial class A { [Compute] public static int Run(int x, ) => x; }",
        "using Hoist; public static partial class A { [Compute] public static int (int x) => x; }",
        "using Hoist; [Compute] public partial class { public int Run() => 1; }",
        "using Hoist; public static partial class A { [Compute] public static Task<> Run() => null; }",
        "using Hoist; public static partial class A { [Compute] public static int Run(__arglist) => 1; }",
        "using Hoist; public static partial class A { [Compute] public static int Run(params int[] values, System.Threading.CancellationToken ct) => 1; }",
        "using Hoist; public static partial class A { [Compute] public static int Run(string value = 5) => 1; }",
        "using Hoist; public static partial class A { [Compute] public static int Run() => 1; [Compute] public static int Run() => 2; }",
        // Odd wire shapes: the type graph is walked without throwing or hanging.
        "using Hoist; public class Dto { public Missing Value { get; set; } public Dto Self { get; set; } } public static partial class A { [Compute] public static Dto Run(Dto d) => d; }",
        "using Hoist; public class Node<T> { public Node<Node<T>>? Next { get; set; } public T Value { get; set; } = default!; } public static partial class A { [Compute] public static Node<int> Run() => null!; }",
        "using Hoist; public interface IX { int X { get; set; } } public class Dto : IX { int IX.X { get; set; } public int this[int i] => i; } public static partial class A { [Compute] public static Dto Run() => null!; }",
        "using Hoist; public class Dto { public int Width { get => field; } public static Dto Empty = new(); } public static partial class A { [Compute] public static Dto Run() => null!; }",
        "using Hoist; [System.Text.Json.Serialization.JsonDerivedType(typeof(int), \"n\")] [System.Text.Json.Serialization.JsonDerivedType(null!, \"x\")] public abstract class Base { } public static partial class A { [Compute] public static Base Run() => null!; }",
        "using Hoist; public class Dto { [System.Text.Json.Serialization.JsonConstructor] public Dto(int a) { } [System.Text.Json.Serialization.JsonConstructor] public Dto(string b) { } } public static partial class A { [Compute] public static Dto Run() => null!; }",
        "using Hoist; public class A1 : B1 { } public class B1 : A1 { } public static partial class A { [Compute] public static A1 Run() => null!; }",
        "using Hoist; [Compute] public partial class S : S { public int Run() => 1; }",
        // A namespace and a type with one name (CS0101): their proxies' hint names would meet.
        "using Hoist; namespace A { public static partial class B { [Compute] public static int X() => 1; } } public partial class A { public static partial class B { [Compute] public static int Y() => 1; } }",
    };

    /// <summary>Unusual but valid declarations: each must generate code that compiles without a warning.</summary>
    public static TheoryData<string> UnusualValidSources => new()
    {
        "#nullable disable\nusing Hoist; public static partial class A { [Compute] public static string Run(string text = null, string[] items = null) => text; }",
        "using Hoist; public static partial class A { [Compute] public static string Run(string text = null!, int? count = null, System.DateTime when = default, char c = '\\'', float f = float.NaN, decimal m = 1.5m, System.DayOfWeek day = (System.DayOfWeek)42) => text; }",
        "using Hoist; public static partial class A { [Compute(Name = \"register\")] public static int Register() => 1; [Compute(Name = \"hoist-service-table\")] public static int T() => 1; [Compute(Name = \"a-1\")] public static int U() => 1; [Compute(Name = \"a1\")] public static int V() => 1; }",
        "using Hoist; public static partial class A { [Compute] public static int Run(int s_run, int arguments, int cancellationToken, int InvokeAsync, int reader, int method) => 1; }",
        "using Hoist; public static partial class A { [Compute] public static int Run(System.Threading.CancellationToken ct, int cancellationToken) => 1; }",
        "using Hoist; public static partial class A { [Compute] public static int Run(int x) => x; [Compute(Name = \"run-text\")] public static int Run(string x) => 1; }",
        "using Hoist; namespace @class { public static partial class @event { [Compute] public static int @if(int @int) => @int; } }",
        "using Hoist; [Compute] public partial class Base { public int A() => 1; } [Compute] public partial class Derived : Base { public int B() => 2; }",
        "using Hoist; [Compute] public partial record Settings(System.IServiceProvider Services) { public int Next() => 1; }",
        "using Hoist; [Compute] public partial class Svc : Base { public int B() => 2; public override int A() => 3; public static int S(params int[] v) => v.Length; } public class Base { public virtual int A() => 1; public int C(params string[] s) => s.Length; }",
        "using Hoist; public static partial class A { [Compute] public static int Run(string label, int scale = 2, params int[] values) => values.Length; }",
        "using Hoist; public static partial class A { [System.Obsolete] [Compute] public static int Run(int x) => x; } [Compute] public partial class O { [System.Obsolete(\"old\")] public int Run(int x) => x; }",
        "using Hoist; public readonly partial struct S { [Compute] public static int Run() => 1; } public ref partial struct R { [Compute(Name = \"ref-run\")] public static int Run() => 1; }",
        "using Hoist; public partial record struct P { [Compute] public static (int Sum, string? Label) Run(System.Collections.Generic.List<(int, string)> items) => default; }",
        "using Hoist; [Compute] public static partial class Empty { }",
        "using Hoist; public static partial class A { [Compute] public static int Run(params int[] values) => values.Length; [Compute] public static int Other(in System.Guid id) => 1; }",
        "using Hoist; public static partial class B { [Autoscale(Window = \"1m30s\", MinScale = 0, InitialScale = 0)] public static void Run() { } }",
    };

    [Theory]
    [MemberData(nameof(UnusualValidSources))]
    public void UnusualValidCode_GeneratesCodeThatCompilesCleanly(string source)
    {
        var run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Exception);
        Assert.Empty(run.Diagnostics);
        Assert.NotEmpty(run.Sources);
        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(OddSources))]
    public void OddCode_NeverThrows(string source)
    {
        var run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Exception);
        Assert.DoesNotContain(run.DriverDiagnostics, d => d.Id is "CS8784" or "CS8785");
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Id is "CS8784" or "CS8785");
    }

    [Theory]
    [MemberData(nameof(OddSources))]
    public void OddCode_GeneratesNothingThatFailsToCompileOnItsOwn(string source)
    {
        // Whatever the generator writes must not add errors of its own to those the input already has.
        var run = GeneratorHarness.Run(source);

        var generatedErrors = run.Output.GetDiagnostics()
            .Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && !run.Input.SyntaxTrees.Contains(tree))
            .ToList();
        Assert.True(generatedErrors.Count == 0, string.Join("\n", generatedErrors));
    }
}

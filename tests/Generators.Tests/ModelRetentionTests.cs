using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>
/// The pipeline's models must be plain values: holding a symbol, a syntax node or a compilation would keep
/// whole compilations alive in the IDE and defeat caching.
/// </summary>
public sealed class ModelRetentionTests
{
    private static readonly Type[] s_forbidden =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel),
        typeof(Location), typeof(AttributeData), typeof(IOperation),
    ];

    [Fact]
    public void TrackedStepOutputs_HoldNoSymbolsSyntaxOrCompilation()
    {
        var run = GeneratorHarness.Run("""
            using System.Threading;
            using System.Threading.Tasks;
            using Hoist;

            namespace MyApp;

            public static partial class Embeddings
            {
                [Compute(Gpus = 1)]
                [Distribute("pytorch", Workers = 2)]
                [Autoscale(MaxScale = 4)]
                public static Task<float[]> EmbedAsync(string text, CancellationToken cancellationToken) => Task.FromResult(new float[1]);
            }

            [Compute]
            public partial class Chat(System.IServiceProvider services)
            {
                public string Complete(string prompt) => prompt + services;
            }

            public static class NotPartial
            {
                [Compute(Memory = "lots")]
                public static int Bad(ref int value) => value;
            }
            """);

        // Every named step, through to the models the source outputs receive (Diagnostics, Proxies, ServiceTable).
        var outputs = run.Result.TrackedSteps
            .Where(step => HoistGenerator.TrackingNames.All.Contains(step.Key))
            .SelectMany(step => step.Value.SelectMany(r => r.Outputs.Select(o => (step.Key, o.Value))))
            .ToList();

        Assert.NotEmpty(outputs);
        Assert.NotEmpty(run.Diagnostics);
        foreach (var (step, value) in outputs)
        {
            var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
            AssertPlain(value, step, visited, depth: 0);
        }
    }

    private static void AssertPlain(object? value, string path, HashSet<object> visited, int depth)
    {
        if (value is null or string or Enum || value.GetType().IsPrimitive || value is decimal || depth > 64)
        {
            return;
        }

        var type = value.GetType();
        var forbidden = s_forbidden.FirstOrDefault(f => f.IsAssignableFrom(type));
        Assert.True(forbidden is null, $"{path} holds a {forbidden?.Name} ({type.FullName}).");

        if (!type.IsValueType && !visited.Add(value))
        {
            return;
        }

        if (value is IEnumerable items and not string && type.IsArray)
        {
            var index = 0;
            foreach (var item in items)
            {
                AssertPlain(item, $"{path}[{index++}]", visited, depth + 1);
            }

            return;
        }

        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                {
                    continue;
                }

                AssertPlain(field.GetValue(value), $"{path}.{field.Name}", visited, depth + 1);
            }
        }
    }
}

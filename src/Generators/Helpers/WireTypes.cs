using Microsoft.CodeAnalysis;

namespace Hoist.Generators.Helpers
{
    /// <summary>
    /// Recognizes the types a remote method's signature treats specially (CancellationToken, the task types);
    /// whether a type can cross the wire is <see cref="WireShape"/>'s to decide.
    /// </summary>
    internal static class WireTypes
    {
        public static bool IsCancellationToken(ITypeSymbol type) =>
            type is INamedTypeSymbol { Name: "CancellationToken", Arity: 0 } named && IsInNamespace(named, "System", "Threading");

        /// <summary>Task, ValueTask, Task&lt;T&gt;, ValueTask&lt;T&gt; or IAsyncEnumerable&lt;T&gt;, by name.</summary>
        public static bool IsType(ITypeSymbol type, string name, int arity, params string[] namespaceParts) =>
            type is INamedTypeSymbol named && named.Name == name && named.Arity == arity && IsInNamespace(named, namespaceParts);

        private static bool IsInNamespace(INamedTypeSymbol type, params string[] parts)
        {
            if (type.ContainingType is not null)
            {
                return false;
            }

            var current = type.ContainingNamespace;
            for (var i = parts.Length - 1; i >= 0; i--)
            {
                if (current is null || current.Name != parts[i])
                {
                    return false;
                }

                current = current.ContainingNamespace;
            }

            return current is { IsGlobalNamespace: true };
        }
    }
}

using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Hoist.Generators.Helpers
{
    /// <summary>
    /// Decides whether a type can cross the wire. Payloads carry no type names, so the receiving side must be
    /// able to create the declared type itself: no interfaces (beyond the common collections), no abstract
    /// classes, no object, and nothing that lives on the stack or is code rather than data.
    /// </summary>
    internal static class WireTypes
    {
        private const int MaxDepth = 16;

        private static readonly HashSet<string> s_collectionInterfaces = new()
        {
            "IEnumerable`1", "IReadOnlyList`1", "IReadOnlyCollection`1", "IList`1", "ICollection`1",
            "IDictionary`2", "IReadOnlyDictionary`2", "ISet`1", "IReadOnlySet`1",
        };

        /// <summary>
        /// Why <paramref name="type"/> cannot be sent, or null when it can. <paramref name="hasErrorType"/> is set
        /// when the type does not bind: the compiler already reports that, so callers stay silent.
        /// </summary>
        public static string? GetProblem(ITypeSymbol type, out bool hasErrorType)
        {
            hasErrorType = false;
            return GetProblem(type, 0, ref hasErrorType);
        }

        public static bool IsCancellationToken(ITypeSymbol type) =>
            type is INamedTypeSymbol { Name: "CancellationToken", Arity: 0 } named && IsInNamespace(named, "System", "Threading");

        /// <summary>Task, ValueTask, Task&lt;T&gt;, ValueTask&lt;T&gt; or IAsyncEnumerable&lt;T&gt;, by name.</summary>
        public static bool IsType(ITypeSymbol type, string name, int arity, params string[] namespaceParts) =>
            type is INamedTypeSymbol named && named.Name == name && named.Arity == arity && IsInNamespace(named, namespaceParts);

        private static string? GetProblem(ITypeSymbol type, int depth, ref bool hasErrorType)
        {
            if (depth > MaxDepth)
            {
                return null;
            }

            switch (type)
            {
                case { TypeKind: TypeKind.Error }:
                    hasErrorType = true;
                    return null;
                case IPointerTypeSymbol:
                    return $"'{type}' is a pointer, which means nothing in another process";
                case IFunctionPointerTypeSymbol:
                    return $"'{type}' is a function pointer, which means nothing in another process";
                case IArrayTypeSymbol array:
                    return GetProblem(array.ElementType, depth + 1, ref hasErrorType);
                case { TypeKind: TypeKind.Dynamic }:
                    return "'dynamic' does not say which type to read on the other side (payloads never carry type names)";
                case ITypeParameterSymbol:
                    return $"'{type}' is a type parameter, not a concrete type";
                case { IsRefLikeType: true }:
                    return $"'{type}' is a ref struct (like Span<T>), which cannot leave the stack";
                case { TypeKind: TypeKind.Delegate }:
                    return $"'{type}' is a delegate, and code cannot be sent";
                case { SpecialType: SpecialType.System_Object }:
                    return "'object' does not say which type to read on the other side (payloads never carry type names)";
            }

            if (IsType(type, "Task", 0, "System", "Threading", "Tasks") || IsType(type, "Task", 1, "System", "Threading", "Tasks") ||
                IsType(type, "ValueTask", 0, "System", "Threading", "Tasks") || IsType(type, "ValueTask", 1, "System", "Threading", "Tasks") ||
                IsType(type, "IAsyncEnumerable", 1, "System", "Collections", "Generic") || IsCancellationToken(type))
            {
                return $"'{type}' is not data";
            }

            if (type.TypeKind == TypeKind.Interface)
            {
                if (!(type is INamedTypeSymbol collection && s_collectionInterfaces.Contains(collection.MetadataName) &&
                      IsInNamespace(collection, "System", "Collections", "Generic")))
                {
                    return $"'{type}' is an interface, so the other side cannot know which type to create";
                }
            }
            else if (type.TypeKind == TypeKind.Class && type.IsAbstract && !type.IsStatic)
            {
                return $"'{type}' is abstract, so the other side cannot create it";
            }

            if (type is INamedTypeSymbol { IsGenericType: true } generic)
            {
                foreach (var argument in generic.TypeArguments)
                {
                    var problem = GetProblem(argument, depth + 1, ref hasErrorType);
                    if (problem is not null)
                    {
                        return problem;
                    }
                }
            }

            return null;
        }

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

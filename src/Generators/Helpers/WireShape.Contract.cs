using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Hoist.Generators.Helpers
{
    internal sealed partial class WireShape
    {
        // Bumped when the payload encoding itself changes, so every method's fingerprint changes with it.
        private const string ContractVersion = "hoist-wire/1";

        // The types PayloadCodecFactory (src/Wire/Serialization/PayloadCodec.cs) writes as raw bytes, bare, nullable or as arrays.
        private static readonly HashSet<string> s_rawTypes = new(StringComparer.Ordinal)
        {
            "System.Boolean", "System.Byte", "System.SByte", "System.Int16", "System.UInt16", "System.Int32", "System.UInt32",
            "System.Int64", "System.UInt64", "System.Single", "System.Double", "System.Half", "System.Decimal", "System.Char",
            "System.Guid", "System.DateTime", "System.TimeSpan",
        };

        /// <summary>
        /// The wire contract of a method that passed the check: one line for the signature as it crosses the wire
        /// (parameter names, types and codecs in order, the result), then one line per type it reaches, in the order
        /// first reached: the members System.Text.Json writes with their JSON names and types, the constructor it
        /// reads them through, the listed derived types with their discriminators, an enum's names and values. A
        /// method body, a comment or a name the wire never sees (a local, a private method) is not in it. The
        /// fingerprint is FNV-1a 64 of that text, so it is the same on every machine and in every build.
        /// </summary>
        public (ulong Fingerprint, string Shape) Contract(IMethodSymbol method, ITypeSymbol? result, bool streams)
        {
            var pending = new Queue<ITypeSymbol>();
            var parameters = method.Parameters
                .Where(static p => !WireTypes.IsCancellationToken(p.Type))
                .Select(p => $"{p.Name}: {Reference(p.Type, pending)} [{Codec(p.Type)}]")
                .ToList();
            var returns = result is null ? "void" : $"{(streams ? "stream of " : string.Empty)}{Reference(result, pending)} [{Codec(result)}]";

            var text = new StringBuilder();
            text.Append(method.Name).Append('(').Append(string.Join(", ", parameters)).Append(") -> ").Append(returns);
            var defined = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
            while (pending.Count > 0)
            {
                var type = pending.Dequeue();
                if (defined.Add(type))
                {
                    text.Append('\n').Append(Define(type, pending));
                }
            }

            var shape = text.ToString();
            return (Fnv1a64(ContractVersion + "\n" + shape), shape);
        }

        /// <summary>FNV-1a, 64 bits, over the UTF-8 bytes: no per-process seed, unlike string.GetHashCode.</summary>
        internal static ulong Fnv1a64(string text)
        {
            var hash = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes(text))
            {
                hash ^= b;
                hash *= 1099511628211UL;
            }

            return hash;
        }

        // How a type is named in a contract line; the object types and enums it mentions are queued for a line of their own.
        private string Reference(ITypeSymbol type, Queue<ITypeSymbol> pending)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    return Reference(array.ElementType, pending) + "[]";
                case INamedTypeSymbol named when MemoryElement(named) is { } element:
                    // The same bytes as an array (PayloadCodec's BlittableReadOnlyMemoryCodec), so the same contract.
                    return Reference(element, pending) + "[]";
                case INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable:
                    return Reference(nullable.TypeArguments[0], pending) + "?";
                case INamedTypeSymbol { TypeKind: TypeKind.Enum }:
                    pending.Enqueue(type);
                    return Display(type);
                case INamedTypeSymbol named when named.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_String || s_leafTypes.Contains(MetadataName(named)):
                    return Display(type);
                case INamedTypeSymbol named when HasJsonAttribute(named, "JsonConverterAttribute"):
                    return $"{Display(type)} [converter {Converter(named)}]";
                case INamedTypeSymbol named when named.IsTupleType || named.IsGenericType && IsFrameworkType(named):
                    return $"{named.Name}<{string.Join(", ", named.TypeArguments.Select(t => Reference(t, pending)))}>";
                case INamedTypeSymbol:
                    pending.Enqueue(type);
                    return Display(type);
                default:
                    return Display(type);
            }
        }

        // "enum Color : int { Red = 0, Green = 1 }", or "Pair { Left: int, Right: int } new(Left, Right)", with
        // "derived(dog: Dog)" for listed derived types and "abstract" for a type only its derived types stand for.
        private string Define(ITypeSymbol type, Queue<ITypeSymbol> pending)
        {
            if (type is not INamedTypeSymbol named)
            {
                return Display(type);
            }

            if (named.TypeKind == TypeKind.Enum)
            {
                var values = named.GetMembers().OfType<IFieldSymbol>().Where(static f => f.IsConst)
                    .Select(static f => $"{f.Name} = {Convert.ToString(f.ConstantValue, CultureInfo.InvariantCulture)}");
                return $"enum {Display(named)} : {Display(named.EnumUnderlyingType!)} {{ {string.Join(", ", values)} }}";
            }

            var line = new StringBuilder(Display(named));
            if (named.IsAbstract || named.TypeKind == TypeKind.Interface)
            {
                line.Append(" abstract");
            }
            else
            {
                var members = new List<(ISymbol Member, ITypeSymbol Type)>();
                CollectMembers(named, members);
                line.Append(" { ").Append(string.Join(", ", members.Select(m => $"{JsonName(m.Member)}: {MemberReference(m.Member, m.Type, pending)}"))).Append(" }");
                ChooseConstructor(named, out var constructor);
                if (constructor is { Parameters.Length: > 0 })
                {
                    line.Append(" new(").Append(string.Join(", ", constructor.Parameters.Select(static p => p.Name))).Append(')');
                }
            }

            var derived = named.GetAttributes()
                .Where(static a => IsJsonAttribute(a, "JsonDerivedTypeAttribute") && a.ConstructorArguments.Length > 0)
                .Select(a =>
                {
                    var derivedType = a.ConstructorArguments[0].Value as ITypeSymbol;
                    if (derivedType is not null)
                    {
                        pending.Enqueue(derivedType);
                    }

                    var discriminator = a.ConstructorArguments.Length > 1 ? Convert.ToString(a.ConstructorArguments[1].Value, CultureInfo.InvariantCulture) : string.Empty;
                    return $"{discriminator}: {(derivedType is null ? "?" : Display(derivedType))}";
                })
                .ToList();
            if (derived.Count > 0)
            {
                line.Append(" derived(").Append(string.Join(", ", derived)).Append(')');
            }

            return line.ToString();
        }

        // A member with a converter of its own is written the converter's way, which the contract names but cannot see into.
        private string MemberReference(ISymbol member, ITypeSymbol type, Queue<ITypeSymbol> pending) =>
            member.GetAttributes().FirstOrDefault(static a => IsJsonAttribute(a, "JsonConverterAttribute")) is { } converter
                ? $"{Display(type)} [converter {(converter.ConstructorArguments.FirstOrDefault().Value is ITypeSymbol c ? Display(c) : "?")}]"
                : Reference(type, pending);

        private static string Converter(INamedTypeSymbol type) =>
            type.GetAttributes().FirstOrDefault(static a => IsJsonAttribute(a, "JsonConverterAttribute"))?.ConstructorArguments.FirstOrDefault().Value is ITypeSymbol converter
                ? Display(converter)
                : "?";

        // Which of PayloadCodecFactory's codecs the runtime picks for a parameter or result of this declared type.
        private static string Codec(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_String)
            {
                return "utf8";
            }

            if (type.TypeKind == TypeKind.Enum)
            {
                return "raw";
            }

            var element = type switch
            {
                IArrayTypeSymbol { Rank: 1 } array => array.ElementType,
                INamedTypeSymbol named when MemoryElement(named) is { } memoryElement => memoryElement,
                INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable => nullable.TypeArguments[0],
                _ => type,
            };
            return IsRaw(element) ? "raw" : "json";
        }

        private static bool IsRaw(ITypeSymbol type) => type is INamedTypeSymbol named && s_rawTypes.Contains(MetadataName(named));

        /// <summary>The element type of <c>ReadOnlyMemory&lt;T&gt;</c> or <c>Memory&lt;T&gt;</c>; null for any other type.</summary>
        private static ITypeSymbol? MemoryElement(INamedTypeSymbol type) =>
            type.Arity == 1 && MetadataName(type) is "System.ReadOnlyMemory`1" or "System.Memory`1" ? type.TypeArguments[0] : null;
    }
}

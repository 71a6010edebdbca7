using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hoist.Generators.Helpers
{
    /// <summary>
    /// Decides at compile time whether a parameter or result type round-trips exactly, by walking its type graph
    /// the way System.Text.Json (with <c>IncludeFields</c>) will read and write it: the members it writes, the
    /// constructor it reads through, the setters and <c>[JsonInclude]</c> it restores members with, and
    /// <c>[JsonDerivedType]</c> polymorphism. Payloads carry no type names, so anything the other side could
    /// only guess at, or would silently drop, is a problem naming the member path that fails and why.
    /// </summary>
    /// <remarks>
    /// One instance per parsed target: it memoizes each object type, so a cycle (a linked list's Next) is
    /// walked once, and it looks for derived types in the assembly being compiled only. Derived types declared
    /// in other assemblies are not seen.
    /// </remarks>
    internal sealed partial class WireShape
    {
        private const string AllowedTypes =
            "primitives, strings, enums, Guid, DateTime, DateTimeOffset, DateOnly, TimeOnly, TimeSpan, Uri, Version, BigInteger, " +
            "tuples, arrays, List<T>, HashSet<T>, Dictionary<K,V>, the immutable collections and your own records, classes and structs";

        // Object types nested inside one another, a bound only a type graph that grows without end reaches.
        private const int MaxObjectDepth = 64;

        private static readonly HashSet<string> s_leafTypes = new(StringComparer.Ordinal)
        {
            "System.Guid", "System.DateTime", "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly", "System.TimeSpan",
            "System.Half", "System.Int128", "System.UInt128", "System.Uri", "System.Version", "System.Numerics.BigInteger",
        };

        // System.Text.Json writes these as property names and reads them back.
        private static readonly HashSet<string> s_keyTypes = new(StringComparer.Ordinal)
        {
            "System.Guid", "System.DateTime", "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly", "System.TimeSpan",
        };

        private static readonly HashSet<string> s_sequences = new(StringComparer.Ordinal)
        {
            "System.Collections.Generic.IEnumerable`1", "System.Collections.Generic.IReadOnlyList`1", "System.Collections.Generic.IReadOnlyCollection`1",
            "System.Collections.Generic.IList`1", "System.Collections.Generic.ICollection`1", "System.Collections.Generic.ISet`1",
            "System.Collections.Generic.List`1", "System.Collections.Generic.HashSet`1",
            "System.Collections.Generic.SortedSet`1", "System.Collections.Generic.LinkedList`1", "System.Collections.Generic.Queue`1",
            "System.Collections.ObjectModel.Collection`1", "System.Collections.ObjectModel.ObservableCollection`1",
            "System.Collections.Immutable.ImmutableArray`1", "System.Collections.Immutable.ImmutableList`1",
            "System.Collections.Immutable.ImmutableHashSet`1", "System.Collections.Immutable.ImmutableSortedSet`1",
            "System.Collections.Immutable.ImmutableQueue`1", "System.Collections.Immutable.IImmutableList`1",
        };

        private static readonly HashSet<string> s_dictionaries = new(StringComparer.Ordinal)
        {
            "System.Collections.Generic.IDictionary`2", "System.Collections.Generic.IReadOnlyDictionary`2", "System.Collections.Generic.Dictionary`2",
            "System.Collections.Generic.SortedDictionary`2", "System.Collections.Generic.SortedList`2",
            "System.Collections.Immutable.ImmutableDictionary`2", "System.Collections.Immutable.ImmutableSortedDictionary`2",
            "System.Collections.Immutable.IImmutableDictionary`2",
        };

        private readonly IAssemblySymbol _assembly;
        private readonly CancellationToken _cancellationToken;
        private readonly Dictionary<ITypeSymbol, Problem?> _objects = new(SymbolEqualityComparer.Default);
        private List<INamedTypeSymbol>? _sourceTypes;
        private int _depth;
        private bool _hasErrorType;

        public WireShape(IAssemblySymbol assembly, CancellationToken cancellationToken)
        {
            _assembly = assembly;
            _cancellationToken = cancellationToken;
        }

        /// <summary>
        /// Why <paramref name="type"/> cannot cross the wire exactly, or null when it can. <paramref name="hasErrorType"/>
        /// is set when something in its graph does not bind: the compiler reports that, so callers stay silent.
        /// </summary>
        public string? GetProblem(ITypeSymbol type, out bool hasErrorType)
        {
            _hasErrorType = false;
            var problem = Check(type);
            hasErrorType = _hasErrorType;
            if (problem is null)
            {
                return null;
            }

            return problem.Path.Length == 0
                ? problem.Reason
                : $"'{Display(type)}{problem.Path}': {problem.Reason}";
        }

        private Problem? Check(ITypeSymbol type)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            switch (type)
            {
                case { TypeKind: TypeKind.Error }:
                    _hasErrorType = true;
                    return null;
                case IPointerTypeSymbol:
                    return Problem.Of($"'{Display(type)}' is a pointer, which means nothing in another process");
                case IFunctionPointerTypeSymbol:
                    return Problem.Of($"'{Display(type)}' is a function pointer, which means nothing in another process");
                case IArrayTypeSymbol { Rank: > 1 } array:
                    return Problem.Of($"'{Display(array)}' is a multi-dimensional array, which is not sent: use a jagged array ({Display(array.ElementType)}[][]) or a flat {Display(array.ElementType)}[] with its dimensions");
                case IArrayTypeSymbol array:
                    return Check(array.ElementType)?.Under("[]");
                case { TypeKind: TypeKind.Dynamic }:
                    return Problem.Of("'dynamic' does not say which type to read on the other side (payloads never carry type names)");
                case ITypeParameterSymbol:
                    return Problem.Of($"'{Display(type)}' is a type parameter, not a concrete type");
                case { IsRefLikeType: true }:
                    return Problem.Of($"'{Display(type)}' is a ref struct (like Span<T>), which cannot leave the stack");
                case { TypeKind: TypeKind.Delegate }:
                    return Problem.Of($"'{Display(type)}' is a delegate, and code cannot be sent");
                case { SpecialType: SpecialType.System_Object }:
                    return Problem.Of("'object' does not say which type to read on the other side (payloads never carry type names)");
                case { SpecialType: SpecialType.System_IntPtr or SpecialType.System_UIntPtr }:
                    return Problem.Of($"'{Display(type)}' is pointer-sized, so its meaning depends on the process: use long or ulong");
                case INamedTypeSymbol named:
                    return CheckNamed(named);
                default:
                    return Problem.Of($"'{Display(type)}' is not data");
            }
        }

        private Problem? CheckNamed(INamedTypeSymbol type)
        {
            if (type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                return Check(type.TypeArguments[0]);
            }

            if (type.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_String || type.TypeKind == TypeKind.Enum)
            {
                return null;
            }

            var name = MetadataName(type);
            if (s_leafTypes.Contains(name))
            {
                return null;
            }

            if (NotData(type, name) is { } notData)
            {
                return Problem.Of(notData);
            }

            if (MemoryElement(type) is { } element)
            {
                return IsRaw(element)
                    ? null
                    : Problem.Of($"'{Display(type)}' crosses the wire only with elements of a primitive type (the codec copies their bytes, or shares them in place): use {Display(element)}[] or List<{Display(element)}>");
            }

            if (s_sequences.Contains(name))
            {
                return Check(type.TypeArguments[0])?.Under("[]");
            }

            if (s_dictionaries.Contains(name))
            {
                var key = type.TypeArguments[0];
                if (!IsKeyType(key))
                {
                    return Problem.Of(
                        $"'{Display(key)}' cannot be a dictionary key on the wire, which writes keys as JSON property names: use string, an integer, decimal, bool, char, an enum, Guid, DateTime, DateTimeOffset, DateOnly, TimeOnly or TimeSpan as the key")
                        .Under("[key]");
                }

                return Check(type.TypeArguments[1])?.Under("[value]");
            }

            if (name is "System.Collections.Generic.KeyValuePair`2")
            {
                return Check(type.TypeArguments[0])?.Under(".Key") ?? Check(type.TypeArguments[1])?.Under(".Value");
            }

            if (type.IsTupleType || name.StartsWith("System.Tuple`", StringComparison.Ordinal) || name.StartsWith("System.ValueTuple`", StringComparison.Ordinal))
            {
                var arguments = type.IsTupleType ? type.TupleElements.Select(static e => e.Type).ToList() : type.TypeArguments.ToList();
                for (var i = 0; i < arguments.Count; i++)
                {
                    if (Check(arguments[i]) is { } problem)
                    {
                        return problem.Under(".Item" + (i + 1));
                    }
                }

                return null;
            }

            if (IsFrameworkType(type))
            {
                return Problem.Of(type.TypeKind == TypeKind.Interface
                    ? $"'{Display(type)}' is an interface, so the other side cannot know which type to create: use a concrete type ({AllowedTypes})"
                    : $"'{Display(type)}' is a .NET type that Hoist cannot send exactly: use {AllowedTypes}");
            }

            // A converter of the user's own is the user's contract for the type's exact form.
            if (HasJsonAttribute(type, "JsonConverterAttribute"))
            {
                return null;
            }

            if (type.AllInterfaces.Any(static i => i.SpecialType == SpecialType.System_Collections_IEnumerable))
            {
                return Problem.Of(
                    $"'{Display(type)}' is a collection type of its own, which the serializer would read as a plain list, dropping anything else it holds: use List<T>, T[], Dictionary<K,V> or another standard collection");
            }

            return CheckObject(type);
        }

        // Types that are code, handles or I/O rather than values.
        private static string? NotData(INamedTypeSymbol type, string name)
        {
            if (name is "System.Threading.CancellationToken" or "System.Threading.Tasks.Task" or "System.Threading.Tasks.Task`1" or
                "System.Threading.Tasks.ValueTask" or "System.Threading.Tasks.ValueTask`1" or "System.Collections.Generic.IAsyncEnumerable`1")
            {
                return $"'{Display(type)}' is not data";
            }

            if (name.StartsWith("System.Text.Json.", StringComparison.Ordinal))
            {
                return $"'{Display(type)}' is untyped JSON, which does not say which type to read on the other side: use a concrete type";
            }

            if (name is "System.Collections.Generic.IReadOnlySet`1")
            {
                return $"'{Display(type)}' cannot be read back, as System.Text.Json does not create read-only sets: use ISet<T> or HashSet<T>";
            }

            if (name is "System.Collections.Generic.Stack`1" or "System.Collections.Immutable.ImmutableStack`1" or "System.Collections.Concurrent.ConcurrentStack`1")
            {
                return $"'{Display(type)}' comes back in reverse order (the serializer pushes what it popped): use List<T> or an array";
            }

            for (var current = type; current is not null; current = current.BaseType)
            {
                if (MetadataName(current) == "System.IO.Stream")
                {
                    return $"'{Display(type)}' is a stream, not data: send its contents as byte[]";
                }
            }

            return null;
        }

        // Floating-point keys are out: NaN and the infinities cannot be written as property names.
        private static bool IsKeyType(ITypeSymbol key) =>
            (key.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_String &&
             key.SpecialType is not (SpecialType.System_Single or SpecialType.System_Double)) ||
            key.TypeKind == TypeKind.Enum ||
            (key is INamedTypeSymbol named && s_keyTypes.Contains(MetadataName(named)));

        private Problem? CheckObject(INamedTypeSymbol type)
        {
            if (_objects.TryGetValue(type, out var known))
            {
                return known;
            }

            // A generic type can reach ever new types of itself (G<T> holding a G<List<T>>), which no memo stops.
            if (_depth >= MaxObjectDepth)
            {
                return Problem.Of($"'{Display(type)}' is nested more than {MaxObjectDepth} types deep, as a generic type that holds a bigger version of itself is: use a type graph of fixed shape");
            }

            // Provisionally fine, so a type that reaches itself (Node.Next) is walked once.
            _objects[type] = null;
            _depth++;
            var problem = CheckPolymorphism(type) ?? (type.IsAbstract ? null : CheckMembers(type));
            _depth--;
            _objects[type] = problem;
            return problem;
        }

        // [JsonDerivedType(typeof(Dog), "dog")] writes a discriminator; without one, a declared base comes back as itself.
        private Problem? CheckPolymorphism(INamedTypeSymbol type)
        {
            var listed = new List<INamedTypeSymbol>();
            var discriminators = new HashSet<string>(StringComparer.Ordinal);
            foreach (var attribute in type.GetAttributes())
            {
                if (!IsJsonAttribute(attribute, "JsonDerivedTypeAttribute"))
                {
                    continue;
                }

                if (attribute.ConstructorArguments.FirstOrDefault().Value is not INamedTypeSymbol derived)
                {
                    _hasErrorType = true;
                    return null;
                }

                if (!DerivesFrom(derived, type))
                {
                    return Problem.Of(
                        $"[JsonDerivedType(typeof({Display(derived)}))] on '{Display(type)}' names a type that does not derive from it, which the serializer refuses: list only types derived from '{Display(type)}'");
                }

                if (attribute.ConstructorArguments.Length < 2)
                {
                    return Problem.Of(
                        $"[JsonDerivedType(typeof({Display(derived)}))] on '{Display(type)}' has no type discriminator, so a '{Display(derived)}' would not be told apart on the other side: give it one, as in [JsonDerivedType(typeof({Display(derived)}), \"{derived.Name.ToLowerInvariant()}\")]");
                }

                var discriminator = attribute.ConstructorArguments[1].Value?.ToString() ?? string.Empty;
                if (!discriminators.Add(discriminator))
                {
                    return Problem.Of($"two [JsonDerivedType] attributes on '{Display(type)}' use the discriminator \"{discriminator}\", which the serializer refuses: give each derived type its own");
                }

                listed.Add(derived);
            }

            var derivedTypes = DerivedTypes(type);
            if (listed.Count == 0)
            {
                if (type.TypeKind == TypeKind.Interface || type.IsAbstract)
                {
                    var kind = type.TypeKind == TypeKind.Interface ? "an interface" : "abstract";
                    return Problem.Of(
                        $"'{Display(type)}' is {kind}, so the other side cannot know which type to create: use a concrete type, or list its implementations on it with [JsonDerivedType(typeof(...), \"name\")]");
                }

                if (derivedTypes.Count > 0)
                {
                    return Problem.Of(
                        $"'{Display(type)}' has derived types ({string.Join(", ", derivedTypes.Select(static t => "'" + Display(t) + "'"))}) that would come back as a plain '{Display(type)}' (payloads never carry type names): seal it, declare the derived type instead, or list them on it with [JsonDerivedType(typeof({Display(derivedTypes[0])}), \"{derivedTypes[0].Name.ToLowerInvariant()}\")]");
                }

                return null;
            }

            foreach (var derived in derivedTypes)
            {
                if (!listed.Contains(derived, SymbolEqualityComparer.Default) && !derived.IsAbstract)
                {
                    return Problem.Of(
                        $"'{Display(derived)}' derives from '{Display(type)}' but is not listed in its [JsonDerivedType] attributes, so sending one would fail: add [JsonDerivedType(typeof({Display(derived)}), \"{derived.Name.ToLowerInvariant()}\")]");
                }
            }

            foreach (var derived in listed)
            {
                if (!derived.IsAbstract && derived.TypeKind != TypeKind.Interface && CheckMembers(derived) is { } problem)
                {
                    return problem.Under($"({Display(derived)})");
                }
            }

            return null;
        }

        // The members System.Text.Json writes must all be read back: through the constructor it picks, a setter, or
        // [JsonInclude]. Non-public state it never writes would come back empty.
        private Problem? CheckMembers(INamedTypeSymbol type)
        {
            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            {
                return Problem.Of($"'{Display(type)}' is not data");
            }

            var members = new List<(ISymbol Member, ITypeSymbol Type)>();
            if (CollectMembers(type, members) is { } memberProblem)
            {
                return memberProblem;
            }

            // Names are matched without regard to case, so two members that differ only in case would collide.
            var collision = members.GroupBy(static m => JsonName(m.Member), StringComparer.OrdinalIgnoreCase).FirstOrDefault(static g => g.Count() > 1);
            if (collision is not null)
            {
                return Problem.Of(
                    $"'{string.Join("' and '", collision.Select(static m => m.Member.Name))}' have the same JSON name but for case, and names are matched without regard to case: rename one, or mark one [JsonIgnore]");
            }

            if (ChooseConstructor(type, out var constructor) is { } constructorProblem)
            {
                return Problem.Of(constructorProblem);
            }

            var boundToConstructor = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var parameter in constructor?.Parameters ?? Enumerable.Empty<IParameterSymbol>())
            {
                var match = members.FirstOrDefault(m => string.Equals(m.Member.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                if (match.Member is null || !SymbolEqualityComparer.Default.Equals(match.Type, parameter.Type))
                {
                    return Problem.Of(
                        $"constructor parameter '{parameter.Name}' matches no public property or field named '{parameter.Name}' of type '{Display(parameter.Type)}', so the serializer cannot fill it in: name it after the member it sets");
                }

                boundToConstructor.Add(match.Member);
            }

            foreach (var (member, memberType) in members)
            {
                if (!boundToConstructor.Contains(member) && !IsRestorable(member))
                {
                    return Problem.Of(
                        member is IFieldSymbol
                            ? "it is a readonly field no constructor parameter sets, so nothing can restore it on the other side: make it settable, or take it as a constructor parameter of the same name"
                            : "nothing can restore it on the other side (it has no public or init setter, no [JsonInclude] and no constructor parameter of the same name): add a public or init setter, mark it [JsonInclude], or take it as a constructor parameter")
                        .Under("." + member.Name);
                }

                if (!HasJsonAttribute(member, "JsonConverterAttribute") && Check(memberType) is { } problem)
                {
                    return problem.Under("." + member.Name);
                }
            }

            return null;
        }

        // The members System.Text.Json writes, in the order it finds them (the type's own, then its bases'), or why a
        // member of the user's own would be lost.
        private Problem? CollectMembers(INamedTypeSymbol type, List<(ISymbol Member, ITypeSymbol Type)> members)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member.IsStatic || member.IsImplicitlyDeclared || !seen.Add(member.Name))
                    {
                        continue;
                    }

                    switch (member)
                    {
                        case IPropertySymbol { IsIndexer: false } property when !IsIgnored(property):
                            if (IsWritten(property))
                            {
                                members.Add((property, property.Type));
                            }
                            else if (IsAutoProperty(property) && IsInSource(current))
                            {
                                return Problem.Of($"non-public property '{property.Name}' is never sent, so it would come back empty: make it public, mark it [JsonInclude], or mark it [JsonIgnore] if it is not part of the value").Under("." + property.Name);
                            }

                            break;
                        case IFieldSymbol { IsConst: false } field when !IsIgnored(field):
                            if (field.DeclaredAccessibility == Accessibility.Public || HasJsonAttribute(field, "JsonIncludeAttribute"))
                            {
                                members.Add((field, field.Type));
                            }
                            else if (IsInSource(current))
                            {
                                return Problem.Of($"private field '{field.Name}' is never sent, so it would come back empty: make it a public property, mark it [JsonInclude], or mark it [JsonIgnore] if it is not part of the value").Under("." + field.Name);
                            }

                            break;
                    }
                }
            }

            return null;
        }

        // As System.Text.Json picks it: [JsonConstructor]; for a class, the public parameterless one, else the only public one;
        // for a struct, the default one.
        private static string? ChooseConstructor(INamedTypeSymbol type, out IMethodSymbol? constructor)
        {
            var constructors = type.InstanceConstructors;
            var marked = constructors.Where(static c => HasJsonAttribute(c, "JsonConstructorAttribute")).ToList();
            if (marked.Count > 1)
            {
                constructor = null;
                return $"'{Display(type)}' has {marked.Count} constructors marked [JsonConstructor], which the serializer refuses: mark one";
            }

            constructor = marked.FirstOrDefault();
            if (constructor is not null || type.TypeKind == TypeKind.Struct)
            {
                return null;
            }

            var publicConstructors = constructors.Where(static c => c.DeclaredAccessibility == Accessibility.Public).ToList();
            if (publicConstructors.Any(static c => c.Parameters.Length == 0))
            {
                return null;
            }

            if (publicConstructors.Count == 1)
            {
                constructor = publicConstructors[0];
                return null;
            }

            return publicConstructors.Count == 0
                ? $"'{Display(type)}' has no public constructor, so the other side cannot create it: add one, or mark one [JsonConstructor]"
                : $"'{Display(type)}' has {publicConstructors.Count} public constructors and none without parameters, so the serializer cannot choose: mark one [JsonConstructor]";
        }

        private static string JsonName(ISymbol member) =>
            member.GetAttributes().FirstOrDefault(static a => IsJsonAttribute(a, "JsonPropertyNameAttribute"))?.ConstructorArguments.FirstOrDefault().Value as string
            ?? member.Name;

        private static bool IsWritten(IPropertySymbol property) =>
            property.GetMethod is not null &&
            ((property.DeclaredAccessibility == Accessibility.Public && property.GetMethod.DeclaredAccessibility == Accessibility.Public) ||
             HasJsonAttribute(property, "JsonIncludeAttribute"));

        private bool IsRestorable(ISymbol member) => member switch
        {
            IFieldSymbol field => !field.IsReadOnly,
            IPropertySymbol { SetMethod: { } setter } property =>
                setter.DeclaredAccessibility == Accessibility.Public || HasJsonAttribute(property, "JsonIncludeAttribute"),

            // Get-only: a computed property comes back computed from the rest; an auto-property's value would be lost.
            IPropertySymbol property => !IsAutoProperty(property),
            _ => false,
        };

        private bool IsAutoProperty(IPropertySymbol property)
        {
            if (property.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is { } syntax)
            {
                return syntax switch
                {
                    PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors } =>
                        accessors.Accessors.All(static a => a.Body is null && a.ExpressionBody is null),
                    ParameterSyntax => true,
                    _ => false,
                };
            }

            return property.GetMethod?.GetAttributes().Any(static a => a.AttributeClass?.Name == "CompilerGeneratedAttribute") == true;
        }

        private static bool IsIgnored(ISymbol member) =>
            member.GetAttributes().Any(static a =>
                IsJsonAttribute(a, "JsonIgnoreAttribute") &&
                !a.NamedArguments.Any(static n => n.Key == "Condition" && n.Value.Value is int condition && condition != 1));

        private static bool HasJsonAttribute(ISymbol symbol, string name) => symbol.GetAttributes().Any(a => IsJsonAttribute(a, name));

        private static bool IsJsonAttribute(AttributeData attribute, string name) =>
            attribute.AttributeClass is { } type && type.Name == name && MetadataName(type) == "System.Text.Json.Serialization." + name;

        private List<INamedTypeSymbol> DerivedTypes(INamedTypeSymbol type)
        {
            if (type.IsSealed || type.TypeKind == TypeKind.Struct)
            {
                return new List<INamedTypeSymbol>();
            }

            _sourceTypes ??= SourceTypes(_assembly.GlobalNamespace, new List<INamedTypeSymbol>());
            return _sourceTypes.Where(t => !SymbolEqualityComparer.Default.Equals(t, type) && DerivesFrom(t, type)).ToList();
        }

        private static bool DerivesFrom(INamedTypeSymbol candidate, INamedTypeSymbol type)
        {
            if (type.TypeKind == TypeKind.Interface)
            {
                return candidate.TypeKind != TypeKind.Interface && candidate.AllInterfaces.Contains(type, SymbolEqualityComparer.Default);
            }

            for (var current = candidate.BaseType; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current, type))
                {
                    return true;
                }
            }

            return false;
        }

        private List<INamedTypeSymbol> SourceTypes(INamespaceOrTypeSymbol container, List<INamedTypeSymbol> types)
        {
            foreach (var member in container.GetMembers())
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (member is INamedTypeSymbol type)
                {
                    types.Add(type);
                }

                if (member is INamespaceOrTypeSymbol nested)
                {
                    SourceTypes(nested, types);
                }
            }

            return types;
        }

        private static bool IsInSource(INamedTypeSymbol type) => type.Locations.Any(static l => l.IsInSource);

        /// <summary>A type of .NET itself (System.*, Microsoft.*), as opposed to the user's own.</summary>
        public static bool IsFrameworkType(INamedTypeSymbol type)
        {
            if (IsInSource(type))
            {
                return false;
            }

            var ns = type.ContainingNamespace;
            while (ns is { ContainingNamespace.IsGlobalNamespace: false })
            {
                ns = ns.ContainingNamespace;
            }

            return ns?.Name is "System" or "Microsoft";
        }

        private static string MetadataName(INamedTypeSymbol type)
        {
            var name = type.MetadataName;
            for (var containing = type.ContainingType; containing is not null; containing = containing.ContainingType)
            {
                name = containing.MetadataName + "+" + name;
            }

            return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
        }

        private static string Display(ITypeSymbol type) =>
            type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

        /// <summary>What fails, at which member path below the type checked (".Meta[value]"), and why.</summary>
        private sealed class Problem
        {
            private Problem(string path, string reason)
            {
                Path = path;
                Reason = reason;
            }

            public string Path { get; }

            public string Reason { get; }

            public static Problem Of(string reason) => new(string.Empty, reason);

            public Problem Under(string step) => new(step + Path, Reason);
        }
    }
}

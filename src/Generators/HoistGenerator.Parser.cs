using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Hoist.Generators.Diagnostics;
using Hoist.Generators.Helpers;
using Hoist.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hoist.Generators
{
    public sealed partial class HoistGenerator
    {
        /// <summary>
        /// Turns an attributed method or class into a <see cref="ServiceTarget"/>: a <see cref="ServiceModel"/>
        /// when the declaration is valid, and a <see cref="DiagnosticInfo"/> for each thing that is not. Nothing
        /// here throws on odd code: what does not bind is the compiler's to report, and yields no service.
        /// </summary>
        internal sealed partial class Parser
        {
            private static readonly string[] s_objectMethods = { "ToString", "Equals", "GetHashCode" };
            private static readonly string[] s_generatedMembers = { "Remote", "RemoteProxy" };

            private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

            // Crefs cannot hold '<' or '?', and want Nullable<T> and ValueTuple<...> spelled out.
            private static readonly SymbolDisplayFormat s_crefFormat = SymbolDisplayFormat.FullyQualifiedFormat
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.ExpandNullable | SymbolDisplayMiscellaneousOptions.ExpandValueTuple);

            private readonly CancellationToken _cancellationToken;
            private readonly List<DiagnosticInfo> _diagnostics = new();

            // Set when something does not bind (error types, malformed attributes): the compiler reports those,
            // and the service is dropped without a diagnostic of ours.
            private bool _hasCompilerErrors;

            private WireShape? _wireShape;

            private Parser(CancellationToken cancellationToken) => _cancellationToken = cancellationToken;

            /// <summary>The transform of each <c>ForAttributeWithMetadataName</c> step.</summary>
            public static ServiceTarget? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
            {
                var parser = new Parser(cancellationToken);
                return context.TargetSymbol switch
                {
                    IMethodSymbol method => parser.ParseMethodService(method.PartialDefinitionPart ?? method),
                    INamedTypeSymbol type => parser.ParseClassService(type),
                    _ => null,
                };
            }

            // A static method with [Compute], [Distribute] or [Autoscale].
            private ServiceTarget? ParseMethodService(IMethodSymbol method)
            {
                if (method.MethodKind != MethodKind.Ordinary || method.ContainingType is not { } containingType)
                {
                    return null;
                }

                var attributes = HoistAttributes.Read(method);
                if (attributes.IsEmpty)
                {
                    return null;
                }

                var key = "M:" + (method.GetDocumentationCommentId() ?? method.ToDisplayString());
                var identifier = LocationOf(method);
                var display = containingType.Name + "." + method.Name;

                if (containingType.TypeKind == TypeKind.Class && !HoistAttributes.Read(containingType).IsEmpty)
                {
                    foreach (var attribute in attributes.All)
                    {
                        Report(
                            DiagnosticDescriptors.MisplacedAttribute,
                            AttributeLocation(attribute) ?? identifier,
                            $"[{HoistAttributes.ShortName(attribute)}]",
                            display,
                            $"'{containingType.Name}' is a class service, whose settings apply to all its methods, so set [Compute], [Distribute] and [Autoscale] on the class");
                    }

                    return Result(key, identifier, null, null);
                }

                if (!method.IsStatic)
                {
                    Report(
                        DiagnosticDescriptors.MisplacedAttribute,
                        identifier,
                        $"[{HoistAttributes.ShortName(attributes.All[0])}]",
                        display,
                        $"it is an instance method, and a method service must be static; make it static, or put [Compute] on the class '{containingType.Name}' to serve its instance methods");
                    return Result(key, identifier, null, null);
                }

                ValidateDeclaringType(containingType, display);
                if (method.IsGenericMethod)
                {
                    Report(DiagnosticDescriptors.GenericService, identifier, display);
                }

                if (!IsAccessible(method.DeclaredAccessibility))
                {
                    Report(DiagnosticDescriptors.InaccessibleService, identifier, display, AccessibilityText(method.DeclaredAccessibility));
                }

                var settings = ReadSettings(attributes, ServiceNames.FromMethodName(method.Name), method.Name, identifier);
                var remoteMethod = ParseRemoteMethod(method, display, settings?.Distribution is not null);
                if (settings is null || remoteMethod is null || _hasCompilerErrors || HasErrors)
                {
                    return Result(key, identifier, settings?.NameLocation, null);
                }

                var service = new ServiceModel(
                    settings.Name,
                    ServiceNames.ToIdentifier(settings.Name),
                    IsClassService: false,
                    CreateTypeModel(containingType),
                    new EquatableArray<MethodModel>(new[] { remoteMethod }),
                    Constructor: null,
                    settings.Compute,
                    settings.Distribution,
                    settings.Autoscale,
                    settings.Environment,
                    settings.Secrets,
                    settings.Setup,
                    settings.Volumes);
                return Result(key, identifier, settings.NameLocation, service);
            }

            // A class with [Compute], [Distribute] or [Autoscale]: its public and internal methods are remote.
            private ServiceTarget? ParseClassService(INamedTypeSymbol type)
            {
                if (type.TypeKind != TypeKind.Class)
                {
                    // [Compute] on a struct or interface: the compiler reports CS0592.
                    return null;
                }

                var attributes = HoistAttributes.Read(type);
                if (attributes.IsEmpty)
                {
                    return null;
                }

                var key = "T:" + (type.GetDocumentationCommentId() ?? type.ToDisplayString());
                var identifier = LocationOf(type);
                var display = type.Name;

                ValidateDeclaringType(type, display);
                var constructor = type.IsStatic ? null : ParseConstructor(type, identifier);
                var settings = ReadSettings(attributes, ServiceNames.FromTypeName(type.Name), type.Name, identifier);

                // Derived types are looked for in this assembly, even when a served method is inherited from another.
                _wireShape = new WireShape(type.ContainingAssembly, _cancellationToken);
                var methods = new List<MethodModel>();
                var methodIds = new HashSet<string>(StringComparer.Ordinal);
                var proxyNames = new HashSet<string>(StringComparer.Ordinal);
                foreach (var method in ServedMethods(type))
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (!IsRemoteMethod(method, type))
                    {
                        continue;
                    }

                    if (method.IsGenericMethod)
                    {
                        Report(DiagnosticDescriptors.GenericClassServiceMethod, LocationOf(method), display + "." + method.Name);
                        continue;
                    }

                    if (!methodIds.Add(method.Name))
                    {
                        Report(DiagnosticDescriptors.DuplicateRemoteMethod, LocationOf(method), display, method.Name);
                        continue;
                    }

                    var proxyName = ServiceNames.ProxyMethodName(method.Name);
                    if (!proxyNames.Add(proxyName))
                    {
                        Report(DiagnosticDescriptors.DuplicateRemoteMethod, LocationOf(method), display, proxyName);
                        continue;
                    }

                    if (ParseRemoteMethod(method, display + "." + method.Name, settings?.Distribution is not null) is { } remoteMethod)
                    {
                        methods.Add(remoteMethod);
                    }
                }

                if (settings is null || _hasCompilerErrors || HasErrors)
                {
                    return Result(key, identifier, settings?.NameLocation, null);
                }

                var service = new ServiceModel(
                    settings.Name,
                    ServiceNames.ToIdentifier(settings.Name),
                    IsClassService: true,
                    CreateTypeModel(type),
                    methods.ToEquatableArray(),
                    constructor,
                    settings.Compute,
                    settings.Distribution,
                    settings.Autoscale,
                    settings.Environment,
                    settings.Secrets,
                    settings.Setup,
                    settings.Volumes);
                return Result(key, identifier, settings.NameLocation, service);
            }

            // The methods of a class service and of its base classes, most derived first. A base method that a
            // derived one overrides or hides (same name and parameters) is not served twice; framework base
            // classes serve nothing.
            private static IEnumerable<IMethodSymbol> ServedMethods(INamedTypeSymbol type)
            {
                var signatures = new HashSet<string>(StringComparer.Ordinal);
                for (var current = type; current is { SpecialType: not SpecialType.System_Object } && !WireShape.IsFrameworkType(current); current = current.BaseType)
                {
                    foreach (var member in current.GetMembers())
                    {
                        if (member is IMethodSymbol method &&
                            signatures.Add(method.Name + "(" + string.Join(",", method.Parameters.Select(static p => p.Type.ToDisplayString())) + ")"))
                        {
                            yield return method;
                        }
                    }
                }
            }

            // Public and internal ordinary methods, static ones included: the dispatcher calls a static method on the
            // type, an instance method on the worker's instance. A static class serves only its static methods.
            private static bool IsRemoteMethod(IMethodSymbol method, INamedTypeSymbol type)
            {
                if (method.MethodKind != MethodKind.Ordinary || method.IsImplicitlyDeclared || method.PartialDefinitionPart is not null ||
                    (type.IsStatic && !method.IsStatic) || !IsAccessible(method.DeclaredAccessibility) || IsObsoleteAsError(method))
                {
                    return false;
                }

                if (method.IsOverride && s_objectMethods.Contains(method.Name))
                {
                    return false;
                }

                // The worker disposes the instance itself; disposing it remotely would break the next call.
                return !(method.Parameters.Length == 0 &&
                         ((method.Name == "Dispose" && Implements(type, "IDisposable")) ||
                          (method.Name == "DisposeAsync" && Implements(type, "IAsyncDisposable"))));
            }

            private static bool Implements(INamedTypeSymbol type, string systemInterface) =>
                type.AllInterfaces.Any(i => i.Name == systemInterface && i.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true });

            // The single public constructor a worker calls, with its parameters resolved from DI.
            private ConstructorModel? ParseConstructor(INamedTypeSymbol type, LocationInfo? identifier)
            {
                if (type.IsAbstract)
                {
                    Report(DiagnosticDescriptors.InvalidClassService, identifier, type.Name, "is abstract");
                    return null;
                }

                var constructors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
                if (constructors.Count != 1)
                {
                    Report(
                        DiagnosticDescriptors.InvalidClassService,
                        identifier,
                        type.Name,
                        constructors.Count == 0 ? "has no public constructor" : $"has {constructors.Count} public constructors");
                    return null;
                }

                var constructor = constructors[0];
                var parameters = new List<ConstructorParameterModel>();
                foreach (var parameter in constructor.Parameters)
                {
                    if (parameter.Type.TypeKind == TypeKind.Error)
                    {
                        _hasCompilerErrors = true;
                        continue;
                    }

                    var isServiceProvider = parameter.Type is INamedTypeSymbol { Name: "IServiceProvider", Arity: 0, ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
                    var reason =
                        parameter.RefKind != RefKind.None ? $"takes constructor parameter '{parameter.Name}' by reference" :
                        !IsInjectable(parameter.Type)
                            ? $"takes constructor parameter '{parameter.Name}' of type '{parameter.Type}', which dependency injection cannot provide " +
                              "(values such as numbers, strings, structs and arrays are not services): read settings through IOptions<T> or IConfiguration instead"
                            : null;
                    if (reason is not null)
                    {
                        Report(DiagnosticDescriptors.InvalidClassService, ParameterLocation(parameter) ?? identifier, type.Name, reason);
                        continue;
                    }

                    parameters.Add(new ConstructorParameterModel(
                        parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                        isServiceProvider));
                }

                if (HasRequiredMembers(type) && !constructor.GetAttributes().Any(a => a.AttributeClass?.Name == "SetsRequiredMembersAttribute"))
                {
                    Report(
                        DiagnosticDescriptors.InvalidClassService,
                        identifier,
                        type.Name,
                        "has required members that its constructor does not set (add [SetsRequiredMembers] to the constructor)");
                }

                return new ConstructorModel(parameters.ToEquatableArray());
            }

            // A service is a class, interface or delegate that a container can hold: never a value, a string or an array.
            private static bool IsInjectable(ITypeSymbol type) =>
                type.TypeKind is TypeKind.Class or TypeKind.Interface or TypeKind.Delegate &&
                type.SpecialType is not (SpecialType.System_String or SpecialType.System_Object) &&
                !type.IsRefLikeType;

            private static bool HasRequiredMembers(INamedTypeSymbol type)
            {
                for (var current = type; current is not null; current = current.BaseType)
                {
                    if (current.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }))
                    {
                        return true;
                    }
                }

                return false;
            }

            // The declaring type and every type containing it: partial, class or struct, non-generic, accessible.
            private void ValidateDeclaringType(INamedTypeSymbol declaringType, string serviceDisplay)
            {
                foreach (var name in s_generatedMembers)
                {
                    if (declaringType.GetMembers(name).FirstOrDefault() is { } member)
                    {
                        Report(DiagnosticDescriptors.ReservedMemberName, LocationOf(member) ?? LocationOf(declaringType), declaringType.Name, name);
                    }
                }

                for (var type = declaringType; type is not null; type = type.ContainingType)
                {
                    var location = LocationOf(type);
                    if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
                    {
                        Report(
                            DiagnosticDescriptors.MisplacedAttribute,
                            location,
                            "A Hoist attribute",
                            serviceDisplay,
                            $"it is declared in {type.TypeKind.ToString().ToLowerInvariant()} '{type.Name}'; declare Hoist services in a class, record or struct");
                        return;
                    }

                    if (type.IsGenericType)
                    {
                        Report(DiagnosticDescriptors.GenericService, location, type.Name);
                    }

                    if (!IsAccessible(type.DeclaredAccessibility) || type.IsFileLocal)
                    {
                        Report(
                            DiagnosticDescriptors.InaccessibleService,
                            location,
                            type.Name,
                            type.IsFileLocal ? "file-local" : AccessibilityText(type.DeclaredAccessibility));
                    }

                    if (!IsPartial(type))
                    {
                        Report(DiagnosticDescriptors.TypeNotPartial, location, type.Name, serviceDisplay);
                    }
                }
            }

            private bool IsPartial(INamedTypeSymbol type)
            {
                foreach (var reference in type.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(_cancellationToken) is not TypeDeclarationSyntax declaration ||
                        !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    {
                        return false;
                    }
                }

                return true;
            }

            // Parameters and return type of a remote method (HOIST014, HOIST015, HOIST024).
            private MethodModel? ParseRemoteMethod(IMethodSymbol method, string display, bool isDistributed)
            {
                var identifier = LocationOf(method);
                var parameters = new List<ParameterModel>();
                var crefParameters = new List<string>();
                var hasToken = false;
                var valid = true;

                if (method.IsVararg)
                {
                    Report(DiagnosticDescriptors.UnsupportedParameter, identifier, "__arglist", display, "variable arguments cannot be sent");
                    valid = false;
                }

                if (IsObsoleteAsError(method))
                {
                    Report(
                        DiagnosticDescriptors.MisplacedAttribute,
                        identifier,
                        "A Hoist attribute",
                        display,
                        "it is [Obsolete] as an error, so no code may call it, the generated dispatcher included; remove its Hoist attributes, or make the [Obsolete] a warning");
                    valid = false;
                }

                foreach (var parameter in method.Parameters)
                {
                    var location = ParameterLocation(parameter) ?? identifier;
                    crefParameters.Add(CrefParameter(parameter));
                    if (parameter.RefKind is RefKind.Ref or RefKind.Out or RefKind.RefReadOnlyParameter)
                    {
                        Report(
                            DiagnosticDescriptors.UnsupportedParameter,
                            location,
                            parameter.Name,
                            display,
                            $"'{RefKindText(parameter.RefKind)}' parameters cannot be written back across the wire");
                        valid = false;
                        continue;
                    }

                    if (WireTypes.IsCancellationToken(parameter.Type))
                    {
                        if (hasToken)
                        {
                            Report(
                                DiagnosticDescriptors.UnsupportedParameter,
                                location,
                                parameter.Name,
                                display,
                                "it is a second CancellationToken, and a service method receives only the worker's one");
                            valid = false;
                        }

                        hasToken = true;
                        parameters.Add(new ParameterModel(parameter.Name, "global::System.Threading.CancellationToken", IsCancellationToken: true, DefaultValue: null));
                        continue;
                    }

                    var problem = WireShapeOf(method).GetProblem(parameter.Type, out var hasErrorType);
                    _hasCompilerErrors |= hasErrorType;
                    if (problem is not null)
                    {
                        Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, display, problem);
                        valid = false;
                        continue;
                    }

                    parameters.Add(new ParameterModel(
                        parameter.Name,
                        parameter.Type.ToDisplayString(s_typeFormat),
                        IsCancellationToken: false,
                        parameter.HasExplicitDefaultValue ? CSharpLiterals.DefaultValue(parameter.Type, parameter.ExplicitDefaultValue) : null,
                        parameter.IsParams));
                }

                var (returnKind, resultType, result) = ParseReturnType(method, display, isDistributed);
                if (!valid || returnKind is null)
                {
                    return null;
                }

                var (fingerprint, shape) = WireShapeOf(method).Contract(method, result, returnKind == ReturnKind.AsyncEnumerable);

                // A method inherited from a generic base class is named by its definition: a cref cannot hold Base<int>.
                var containingType = method.ContainingType.IsGenericType
                    ? method.ContainingType.OriginalDefinition.ToDisplayString(s_crefFormat).Replace('<', '{').Replace('>', '}')
                    : method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                if (method.ContainingType.IsGenericType)
                {
                    crefParameters = method.OriginalDefinition.Parameters.Select(CrefParameter).ToList();
                }

                return new MethodModel(
                    method.Name,
                    ServiceNames.ProxyMethodName(method.Name),
                    method.DeclaredAccessibility == Accessibility.Public ? "public" : "internal",
                    method.IsStatic,
                    parameters.ToEquatableArray(),
                    returnKind.Value,
                    resultType,
                    $"{containingType}.{ServiceNames.EscapeIdentifier(method.Name)}({string.Join(", ", crefParameters)})",
                    ObsoleteMessage(method),
                    fingerprint,
                    shape);
            }

            // [Obsolete] or [Obsolete("message")]: the message, empty without one; null when the method is not obsolete.
            private static string? ObsoleteMessage(IMethodSymbol method) =>
                method.GetAttributes().FirstOrDefault(IsObsolete) is { } obsolete
                    ? obsolete.ConstructorArguments.FirstOrDefault().Value as string ?? string.Empty
                    : null;

            private static bool IsObsolete(AttributeData attribute) =>
                attribute.AttributeClass is { Name: "ObsoleteAttribute", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };

            // [Obsolete(..., error: true)]: nothing, generated code included, may call it.
            private static bool IsObsoleteAsError(IMethodSymbol method) =>
                method.GetAttributes().Any(a => IsObsolete(a) && a.ConstructorArguments.Length > 1 && a.ConstructorArguments[1].Value is true);

            private WireShape WireShapeOf(IMethodSymbol method) => _wireShape ??= new WireShape(method.ContainingAssembly, _cancellationToken);

            private (ReturnKind? Kind, string? ResultType, ITypeSymbol? Result) ParseReturnType(IMethodSymbol method, string display, bool isDistributed)
            {
                var location = ReturnTypeLocation(method) ?? LocationOf(method);
                if (method.ReturnsByRef || method.ReturnsByRefReadonly)
                {
                    Report(DiagnosticDescriptors.UnsupportedReturnType, location, display, "a ref return points into the worker's memory");
                    return (null, null, null);
                }

                var returnType = method.ReturnType;
                const string tasks = "Tasks";
                ReturnKind kind;
                ITypeSymbol? result;
                if (returnType.SpecialType == SpecialType.System_Void)
                {
                    (kind, result) = (ReturnKind.Void, null);
                }
                else if (WireTypes.IsType(returnType, "Task", 0, "System", "Threading", tasks))
                {
                    (kind, result) = (ReturnKind.VoidTask, null);
                }
                else if (WireTypes.IsType(returnType, "ValueTask", 0, "System", "Threading", tasks))
                {
                    (kind, result) = (ReturnKind.VoidValueTask, null);
                }
                else if (WireTypes.IsType(returnType, "Task", 1, "System", "Threading", tasks))
                {
                    (kind, result) = (ReturnKind.Task, ((INamedTypeSymbol)returnType).TypeArguments[0]);
                }
                else if (WireTypes.IsType(returnType, "ValueTask", 1, "System", "Threading", tasks))
                {
                    (kind, result) = (ReturnKind.ValueTask, ((INamedTypeSymbol)returnType).TypeArguments[0]);
                }
                else if (WireTypes.IsType(returnType, "IAsyncEnumerable", 1, "System", "Collections", "Generic"))
                {
                    // Each item crosses the wire on its own, so the element type passes the same check as a result.
                    if (isDistributed)
                    {
                        Report(DiagnosticDescriptors.DistributedStream, location, display);
                        return (null, null, null);
                    }

                    (kind, result) = (ReturnKind.AsyncEnumerable, ((INamedTypeSymbol)returnType).TypeArguments[0]);
                }
                else
                {
                    (kind, result) = (ReturnKind.Value, returnType);
                }

                if (result is null)
                {
                    return (kind, null, null);
                }

                var problem = WireShapeOf(method).GetProblem(result, out var hasErrorType);
                _hasCompilerErrors |= hasErrorType;
                if (problem is not null)
                {
                    Report(DiagnosticDescriptors.UnsupportedReturnType, location, display, problem);
                    return (null, null, null);
                }

                return (kind, result.ToDisplayString(s_typeFormat), result);
            }

            private static TypeModel CreateTypeModel(INamedTypeSymbol type)
            {
                var declarations = new List<TypeDeclarationModel>();
                var names = new List<string>();
                for (var current = type; current is not null; current = current.ContainingType)
                {
                    var keyword = (current.IsRecord, current.TypeKind) switch
                    {
                        (true, TypeKind.Struct) => "record struct",
                        (true, _) => "record",
                        (false, TypeKind.Struct) => "struct",
                        _ => "class",
                    };
                    declarations.Insert(0, new TypeDeclarationModel(keyword, current.Name, current.IsStatic));
                    names.Insert(0, current.Name);
                }

                // Raw names ("class", not "@class"): the emitter escapes them where they are C#.
                var namespaces = new List<string>();
                for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
                {
                    namespaces.Insert(0, ns.Name);
                }

                var @namespace = namespaces.Count > 0 ? string.Join(".", namespaces) : null;
                var metadataName = string.Join("+", names);
                return new TypeModel(
                    @namespace,
                    declarations.ToEquatableArray(),
                    type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                    @namespace is null ? metadataName : @namespace + "." + metadataName,
                    InheritsGeneratedMembers(type));
            }

            // A base type that declares services gets its own Remote and RemoteProxy: ours must say 'new'.
            private static bool InheritsGeneratedMembers(INamedTypeSymbol type)
            {
                for (var baseType = type.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
                {
                    if (s_generatedMembers.Any(name => !baseType.GetMembers(name).IsEmpty) ||
                        !HoistAttributes.Read(baseType).IsEmpty ||
                        baseType.GetMembers().Any(m => m is IMethodSymbol && !HoistAttributes.Read(m).IsEmpty))
                    {
                        return true;
                    }
                }

                return false;
            }

            private static string CrefParameter(IParameterSymbol parameter)
            {
                var type = parameter.Type.ToDisplayString(s_crefFormat).Replace('<', '{').Replace('>', '}');
                return parameter.RefKind switch
                {
                    RefKind.Ref => "ref " + type,
                    RefKind.Out => "out " + type,
                    RefKind.In => "in " + type,
                    RefKind.RefReadOnlyParameter => "ref readonly " + type,
                    _ => type,
                };
            }

            private static string RefKindText(RefKind refKind) => refKind switch
            {
                RefKind.Out => "out",
                RefKind.RefReadOnlyParameter => "ref readonly",
                _ => "ref",
            };

            private static bool IsAccessible(Accessibility accessibility) =>
                accessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

            private static string AccessibilityText(Accessibility accessibility) => accessibility switch
            {
                Accessibility.Private => "private",
                Accessibility.Protected => "protected",
                Accessibility.ProtectedAndInternal => "private protected",
                _ => "not accessible",
            };

            private LocationInfo? ParameterLocation(IParameterSymbol parameter) =>
                parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is ParameterSyntax syntax
                    ? LocationInfo.From(syntax)
                    : LocationOf(parameter);

            private LocationInfo? ReturnTypeLocation(IMethodSymbol method) =>
                method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is MethodDeclarationSyntax syntax
                    ? LocationInfo.From(syntax.ReturnType)
                    : null;

            private LocationInfo? AttributeLocation(AttributeData attribute) =>
                LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken));

            private static LocationInfo? LocationOf(ISymbol symbol) =>
                LocationInfo.From(symbol.Locations.FirstOrDefault(static l => l.IsInSource));

            private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
                _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

            // A warning (HOIST046) leaves the service generated; an error does not.
            private bool HasErrors =>
                _diagnostics.Any(static d => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error);

            private ServiceTarget Result(string key, LocationInfo? identifier, LocationInfo? nameLocation, ServiceModel? service) =>
                new(key, identifier, nameLocation, service, _diagnostics.Distinct().ToEquatableArray());
        }
    }
}

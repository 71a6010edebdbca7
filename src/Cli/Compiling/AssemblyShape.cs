using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;

namespace Hoist.Cli.Compiling;

/// <summary>
/// An assembly's metadata as lines of text, independent of row order and tokens: every type with its base type and
/// flags, every field, method (signature, flags and a hash of its IL), property and custom attribute (Hoist's service
/// descriptors included, with their JSON). Two assemblies with the same shape have the same types, members,
/// generated proxies and dispatch tables. The in-process compile is checked against <c>dotnet build</c>'s with it.
/// </summary>
internal static class AssemblyShape
{
    public static IReadOnlyList<string> Read(byte[] assembly)
    {
        using var pe = new PEReader(ImmutableArray.Create(assembly));
        var reader = pe.GetMetadataReader();
        var provider = new NameProvider(reader);
        var lines = new List<string>();
        var definition = reader.GetAssemblyDefinition();
        lines.Add($"assembly {reader.GetString(definition.Name)} {definition.Version}");
        AddAttributes(lines, "assembly", reader, provider, definition.GetCustomAttributes());
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            var name = provider.GetTypeFromDefinition(reader, handle, 0);
            var baseType = type.BaseType.IsNil ? "" : provider.TypeName(type.BaseType);
            lines.Add($"type {name} : {baseType} [{type.Attributes}]");
            AddAttributes(lines, name, reader, provider, type.GetCustomAttributes());
            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                lines.Add($"field {name}.{reader.GetString(field.Name)} {field.DecodeSignature(provider, null)} [{field.Attributes}]");
                AddAttributes(lines, $"{name}.{reader.GetString(field.Name)}", reader, provider, field.GetCustomAttributes());
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                var signature = method.DecodeSignature(provider, null);
                var il = method.RelativeVirtualAddress == 0 ? "" : Convert.ToHexStringLower(SHA256.HashData(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes() ?? []))[..16];
                var member = $"{name}.{reader.GetString(method.Name)}({string.Join(", ", signature.ParameterTypes)})";
                lines.Add($"method {member} : {signature.ReturnType} [{method.Attributes}] il {il}");
                AddAttributes(lines, member, reader, provider, method.GetCustomAttributes());
            }

            foreach (var propertyHandle in type.GetProperties())
            {
                var property = reader.GetPropertyDefinition(propertyHandle);
                var signature = property.DecodeSignature(provider, null);
                lines.Add($"property {name}.{reader.GetString(property.Name)} : {signature.ReturnType}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>The lines one shape has and the other lacks, each marked <c>-</c> (only in <paramref name="expected"/>) or <c>+</c>.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyList<string> expected, IReadOnlyList<string> actual) =>
        [.. expected.Except(actual, StringComparer.Ordinal).Select(l => "- " + l), .. actual.Except(expected, StringComparer.Ordinal).Select(l => "+ " + l)];

    private static void AddAttributes(List<string> lines, string owner, MetadataReader reader, NameProvider provider, CustomAttributeHandleCollection attributes)
    {
        foreach (var handle in attributes)
        {
            var attribute = reader.GetCustomAttribute(handle);
            var type = attribute.Constructor.Kind switch
            {
                HandleKind.MethodDefinition => provider.GetTypeFromDefinition(reader, reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(), 0),
                HandleKind.MemberReference => provider.TypeName(reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent),
                _ => "?",
            };

            // The value blob is data (numbers, strings, type names), never a token: comparable as bytes.
            lines.Add($"attribute {owner} [{type}] {Convert.ToHexStringLower(reader.GetBlobBytes(attribute.Value))}");
        }
    }

    /// <summary>Type names as text, for signatures.</summary>
    private sealed class NameProvider(MetadataReader reader) : ISignatureTypeProvider<string, object?>
    {
        public string TypeName(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => GetTypeFromDefinition(reader, (TypeDefinitionHandle)handle, 0),
            HandleKind.TypeReference => GetTypeFromReference(reader, (TypeReferenceHandle)handle, 0),
            HandleKind.TypeSpecification => GetTypeFromSpecification(reader, null, (TypeSpecificationHandle)handle, 0),
            HandleKind.MethodDefinition => GetTypeFromDefinition(reader, reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType(), 0),
            HandleKind.MemberReference => TypeName(reader.GetMemberReference((MemberReferenceHandle)handle).Parent),
            _ => handle.Kind.ToString(),
        };

        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetFunctionPointerType(MethodSignature<string> signature) => $"delegate*<{string.Join(", ", signature.ParameterTypes)}, {signature.ReturnType}>";

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(", ", typeArguments)}>";

        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => $"{unmodifiedType} {(isRequired ? "modreq" : "modopt")}({modifier})";

        public string GetPinnedType(string elementType) => elementType + " pinned";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = metadata.GetTypeDefinition(handle);
            var name = metadata.GetString(type.Name);
            var declaring = type.GetDeclaringType();
            return declaring.IsNil
                ? Qualify(metadata.GetString(type.Namespace), name)
                : GetTypeFromDefinition(metadata, declaring, rawTypeKind) + "/" + name;
        }

        public string GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = metadata.GetTypeReference(handle);
            var name = metadata.GetString(type.Name);
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? GetTypeFromReference(metadata, (TypeReferenceHandle)type.ResolutionScope, rawTypeKind) + "/" + name
                : Qualify(metadata.GetString(type.Namespace), name);
        }

        public string GetTypeFromSpecification(MetadataReader metadata, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            metadata.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        private static string Qualify(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;
    }
}

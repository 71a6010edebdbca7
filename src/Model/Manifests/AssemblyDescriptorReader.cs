using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;

namespace Hoist.Manifests;

/// <summary>
/// Reads the service descriptors the generator wrote into an assembly as
/// <c>[assembly: HoistServiceDescriptor("{...}")]</c>, from metadata alone: the assembly is never loaded, so
/// none of its code runs, and an exe, a class library or an assembly built for another runtime read the same.
/// Build-time manifest emit and <c>hoist manifests</c> both start here.
/// </summary>
public static class AssemblyDescriptorReader
{
    private const string AttributeNamespace = "Hoist";
    private const string AttributeName = nameof(HoistServiceDescriptorAttribute);

    /// <summary>The descriptors in <paramref name="assemblyPath"/>, in the order the generator wrote them; empty when it declares no service.</summary>
    /// <exception cref="InvalidDataException">The file is not a .NET assembly, or a descriptor in it is malformed.</exception>
    public static IReadOnlyList<ServiceDescriptor> Read(string assemblyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        using var stream = File.OpenRead(assemblyPath);
        return Read(stream, assemblyPath);
    }

    /// <inheritdoc cref="Read(string)"/>
    /// <param name="peImage">The assembly's bytes: a file, or a compilation emitted to memory.</param>
    /// <param name="displayName">How errors name the assembly.</param>
    public static IReadOnlyList<ServiceDescriptor> Read(Stream peImage, string displayName = "the assembly")
    {
        ArgumentNullException.ThrowIfNull(peImage);
        using var pe = new PEReader(peImage, PEStreamOptions.LeaveOpen);
        if (!pe.HasMetadata)
        {
            throw new InvalidDataException($"{displayName} is not a .NET assembly: it has no metadata.");
        }

        var metadata = pe.GetMetadataReader();
        if (!metadata.IsAssembly)
        {
            throw new InvalidDataException($"{displayName} is a module without an assembly manifest, not an assembly.");
        }

        var descriptors = new List<ServiceDescriptor>();
        foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = metadata.GetCustomAttribute(handle);
            if (!IsDescriptorAttribute(metadata, attribute))
            {
                continue;
            }

            var json = ReadSingleStringArgument(metadata, attribute, displayName);
            try
            {
                descriptors.Add(ServiceDescriptorJson.Deserialize(json));
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException(
                    $"{displayName} holds a malformed Hoist service descriptor ({ex.Message}): rebuild it with the Hoist generator of the same version as this tool. Descriptor: {json}",
                    ex);
            }
        }

        return descriptors;
    }

    private static bool IsDescriptorAttribute(MetadataReader metadata, CustomAttribute attribute)
    {
        var type = attribute.Constructor.Kind switch
        {
            // Declared elsewhere (Hoist.Runtime): the usual case.
            HandleKind.MemberReference => metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent,
            // Declared in the assembly being read: only Hoist.Runtime itself, or a test that declares it.
            HandleKind.MethodDefinition => metadata.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(),
            _ => default(EntityHandle),
        };

        return type.Kind switch
        {
            HandleKind.TypeReference => metadata.GetTypeReference((TypeReferenceHandle)type) is var reference &&
                metadata.StringComparer.Equals(reference.Name, AttributeName) &&
                metadata.StringComparer.Equals(reference.Namespace, AttributeNamespace),
            HandleKind.TypeDefinition => metadata.GetTypeDefinition((TypeDefinitionHandle)type) is var definition &&
                metadata.StringComparer.Equals(definition.Name, AttributeName) &&
                metadata.StringComparer.Equals(definition.Namespace, AttributeNamespace),
            _ => false,
        };
    }

    // ECMA-335 II.23.3: prolog 0x0001, then the fixed arguments; one string is a SerString (length-prefixed UTF-8).
    private static string ReadSingleStringArgument(MetadataReader metadata, CustomAttribute attribute, string displayName)
    {
        var blob = metadata.GetBlobReader(attribute.Value);
        if (blob.Length < 2 || blob.ReadUInt16() != 1)
        {
            throw new InvalidDataException($"{displayName} holds a {AttributeName} whose value has no custom attribute prolog.");
        }

        try
        {
            return blob.ReadSerializedString()
                ?? throw new InvalidDataException($"{displayName} holds a {AttributeName} with a null descriptor.");
        }
        catch (BadImageFormatException ex)
        {
            throw new InvalidDataException($"{displayName} holds a {AttributeName} whose argument is not a string.", ex);
        }
    }
}

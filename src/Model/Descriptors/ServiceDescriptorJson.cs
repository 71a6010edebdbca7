using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Hoist;

/// <summary>
/// The one JSON form of a <see cref="ServiceDescriptor"/>: camelCase keys in declaration order, every value
/// written (nulls and defaults included), <see cref="ServiceKind"/> as "method" or "class", no whitespace.
/// The generator writes exactly these bytes into <see cref="HoistServiceDescriptorAttribute"/>, and its tests
/// check that parsing and serializing them again gives the same bytes.
/// </summary>
/// <remarks>
/// Reading is strict: an unknown key, a missing required key or a null where the descriptor has no null is
/// an error, because a setting the renderer does not understand must not be dropped silently.
/// </remarks>
public static class ServiceDescriptorJson
{
    public static string Serialize(ServiceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return JsonSerializer.Serialize(descriptor, ServiceDescriptorJsonContext.Default.ServiceDescriptor);
    }

    /// <summary>The descriptor as a JSON tree, for code that goes over the settings catalogue's fields rather than properties.</summary>
    internal static JsonObject ToNode(ServiceDescriptor descriptor) =>
        JsonSerializer.SerializeToNode(descriptor, ServiceDescriptorJsonContext.Default.ServiceDescriptor)!.AsObject();

    /// <summary>A descriptor from its JSON tree, as strictly as <see cref="Deserialize"/> reads text.</summary>
    internal static ServiceDescriptor FromNode(JsonObject json) =>
        json.Deserialize(ServiceDescriptorJsonContext.Default.ServiceDescriptor)
            ?? throw new JsonException("A service descriptor is a JSON object, not null.");

    /// <exception cref="JsonException">The text is not a descriptor in this form.</exception>
    public static ServiceDescriptor Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize(json, ServiceDescriptorJsonContext.Default.ServiceDescriptor)
            ?? throw new JsonException("A service descriptor is a JSON object, not null.");
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(ServiceKindJsonConverter)])]
[JsonSerializable(typeof(ServiceDescriptor))]
internal sealed partial class ServiceDescriptorJsonContext : JsonSerializerContext;

/// <summary><see cref="ServiceKind"/> as its camelCase name; numbers are refused.</summary>
internal sealed class ServiceKindJsonConverter() : JsonStringEnumConverter<ServiceKind>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);

using System.ComponentModel;
using System.Text.Json;

namespace Hoist.Serialization;

/// <summary>
/// A call's arguments as JSON, for callers that know a service only by name (<c>hoist call</c>): an array
/// in parameter order, or an object keyed by parameter name. Generated dispatchers read each argument
/// with its declared type, strictly: no fingerprint guards such a call, so a member the type does not have, a
/// constructor parameter left out or a null the type does not allow is refused rather than read as a default.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class JsonArguments : IDisposable
{
    internal static readonly ReadOnlyMemory<byte> Null = "null"u8.ToArray();

    private readonly JsonDocument _document;
    private readonly int _count;

    public JsonArguments(ReadOnlyMemory<byte> json, int parameterCount)
    {
        _count = parameterCount;
        try
        {
            _document = JsonDocument.Parse(json.Length == 0 ? "[]"u8.ToArray() : json, new JsonDocumentOptions { MaxDepth = HoistJson.MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new PayloadFormatException($"The arguments are not valid JSON: {ex.Message}", ex);
        }

        var root = _document.RootElement;
        var given = root.ValueKind switch
        {
            JsonValueKind.Array => root.GetArrayLength(),
            JsonValueKind.Object => root.EnumerateObject().Count(),
            _ => throw new PayloadFormatException($"The arguments must be a JSON array (in parameter order) or object (by parameter name), not {root.ValueKind}."),
        };
        if (given > parameterCount)
        {
            throw new PayloadFormatException($"The method takes {parameterCount} argument(s); {given} were given.");
        }
    }

    /// <summary>The argument at <paramref name="position"/> of an array, or named <paramref name="name"/> in an object.</summary>
    public T Read<T>(int position, string name)
    {
        var root = _document.RootElement;
        JsonElement element;
        if (root.ValueKind == JsonValueKind.Array)
        {
            if (position >= root.GetArrayLength())
            {
                throw new PayloadFormatException($"Argument '{name}' (position {position + 1} of {_count}) is missing.");
            }

            element = root[position];
        }
        else if (!TryGetProperty(root, name, out element))
        {
            throw new PayloadFormatException($"Argument '{name}' is missing.");
        }

        try
        {
            return element.Deserialize<T>(HoistJson.StrictOptions)!;
        }
        catch (JsonException ex)
        {
            throw new PayloadFormatException($"Argument '{name}' is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _document.Dispose();

    internal static ReadOnlyMemory<byte> Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, HoistJson.Options);

    private static bool TryGetProperty(JsonElement root, string name, out JsonElement element)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                element = property.Value;
                return true;
            }
        }

        element = default;
        return false;
    }
}

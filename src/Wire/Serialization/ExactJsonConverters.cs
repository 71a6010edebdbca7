using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hoist.Serialization;

/// <summary>
/// A BigInteger as a JSON number with all its digits. System.Text.Json has no converter of its own and would
/// write its public properties (IsZero, Sign...) and read back 0.
/// </summary>
internal sealed class BigIntegerJsonConverter : JsonConverter<BigInteger>
{
    public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.String))
        {
            throw new JsonException($"Expected a number for BigInteger, not {reader.TokenType}.");
        }

        // Numbers are never escaped; a string (typed by a person) may be.
        var text = reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        return BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new JsonException($"'{text}' is not a whole number, so it is not a BigInteger.");
    }

    public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
}

/// <summary>
/// Strings exactly as UTF-16, lone surrogates included. A well-formed string is an ordinary JSON string; one
/// with a lone surrogate, which JSON's UTF-8 cannot hold (System.Text.Json would write U+FFFD), is written as
/// an array of its UTF-16 code units and read back from it.
/// </summary>
internal sealed class ExactStringJsonConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return reader.GetString();
        }

        var builder = new StringBuilder();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            builder.Append((char)reader.GetUInt16());
        }

        return builder.ToString();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (Utf16.IsWellFormed(value))
        {
            writer.WriteStringValue(value);
            return;
        }

        writer.WriteStartArray();
        foreach (var unit in value)
        {
            writer.WriteNumberValue(unit);
        }

        writer.WriteEndArray();
    }

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString()!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (!Utf16.IsWellFormed(value))
        {
            throw new JsonException("A dictionary key holds a lone surrogate, which a JSON property name cannot carry exactly: use well-formed UTF-16 keys.");
        }

        writer.WritePropertyName(value);
    }
}

/// <summary>
/// A char exactly: a one-character string, or its code unit as a number when it is a surrogate, which a JSON
/// string cannot hold alone (System.Text.Json would write U+FFFD).
/// </summary>
internal sealed class ExactCharJsonConverter : JsonConverter<char>
{
    public override char Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return (char)reader.GetUInt16();
        }

        var text = reader.GetString();
        return text is { Length: 1 } ? text[0] : throw new JsonException($"Expected one character, not {text?.Length ?? 0}.");
    }

    public override void Write(Utf8JsonWriter writer, char value, JsonSerializerOptions options)
    {
        if (char.IsSurrogate(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue([value]);
        }
    }

    public override char ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return text is { Length: 1 } ? text[0] : throw new JsonException($"Expected a one-character key, not {text?.Length ?? 0} characters.");
    }

    public override void WriteAsPropertyName(Utf8JsonWriter writer, char value, JsonSerializerOptions options)
    {
        if (char.IsSurrogate(value))
        {
            throw new JsonException("A dictionary key is a lone surrogate, which a JSON property name cannot carry exactly: use well-formed UTF-16 keys.");
        }

        writer.WritePropertyName([value]);
    }
}

internal static class Utf16
{
    /// <summary>True when every surrogate is half of a pair; the common case, no surrogates at all, is one vectorized scan.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return true;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}

using System;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hoist.Generators.Helpers
{
    /// <summary>Writes constants as C# source: descriptor values and copied parameter defaults.</summary>
    internal static class CSharpLiterals
    {
        public static string String(string? value) => value is null ? "null" : SymbolDisplay.FormatLiteral(value, quote: true);

        public static string Bool(bool value) => value ? "true" : "false";

        public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A fingerprint as hex, the way it is printed everywhere: "0x9E3779B97F4A7C15UL".</summary>
        public static string Fingerprint(ulong value) => "0x" + value.ToString("X16", CultureInfo.InvariantCulture) + "UL";

        /// <summary>A double that round-trips: "0.5", "8", "1E+20", or double.NaN and the infinities by name.</summary>
        public static string Double(double value) => value switch
        {
            double.NaN => "global::System.Double.NaN",
            double.PositiveInfinity => "global::System.Double.PositiveInfinity",
            double.NegativeInfinity => "global::System.Double.NegativeInfinity",
            _ => value.ToString("R", CultureInfo.InvariantCulture),
        };

        /// <summary>
        /// A parameter's default value as C# source for <paramref name="type"/>, or null when it cannot be
        /// written (the proxy then simply omits the default).
        /// </summary>
        public static string? DefaultValue(ITypeSymbol type, object? value)
        {
            var underlying = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
                ? nullable.TypeArguments[0]
                : type;

            if (value is null)
            {
                // Generated code has nullable enabled: a null default on a reference type not marked '?' (written
                // "= null!", or in a #nullable disable file) must stay "null!", or the copy would warn (CS8625).
                return type.IsValueType && ReferenceEquals(underlying, type) ? "default"
                    : type.IsReferenceType && type.NullableAnnotation != NullableAnnotation.Annotated ? "null!"
                    : "null";
            }

            if (underlying.TypeKind == TypeKind.Enum)
            {
                var number = Number(value);
                if (number is null)
                {
                    return null;
                }

                var enumType = underlying.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                foreach (var member in underlying.GetMembers())
                {
                    if (member is IFieldSymbol { HasConstantValue: true } field && Equals(field.ConstantValue, value))
                    {
                        return enumType + "." + ServiceNames.EscapeIdentifier(field.Name);
                    }
                }

                return number.StartsWith("-", StringComparison.Ordinal) ? $"({enumType})({number})" : $"({enumType}){number}";
            }

            return value switch
            {
                string text => String(text),
                char character => SymbolDisplay.FormatLiteral(character, quote: true),
                bool flag => Bool(flag),
                _ => Number(value),
            };
        }

        private static string? Number(object value) => value switch
        {
            int number => number.ToString(CultureInfo.InvariantCulture),
            uint number => number.ToString(CultureInfo.InvariantCulture) + "U",
            long number => number.ToString(CultureInfo.InvariantCulture) + "L",
            ulong number => number.ToString(CultureInfo.InvariantCulture) + "UL",
            short number => number.ToString(CultureInfo.InvariantCulture),
            ushort number => number.ToString(CultureInfo.InvariantCulture),
            byte number => number.ToString(CultureInfo.InvariantCulture),
            sbyte number => number.ToString(CultureInfo.InvariantCulture),
            decimal number => number.ToString(CultureInfo.InvariantCulture) + "M",
            float number when float.IsNaN(number) => "global::System.Single.NaN",
            float number when float.IsPositiveInfinity(number) => "global::System.Single.PositiveInfinity",
            float number when float.IsNegativeInfinity(number) => "global::System.Single.NegativeInfinity",
            float number => number.ToString("R", CultureInfo.InvariantCulture) + "F",
            double number when double.IsNaN(number) || double.IsInfinity(number) => Double(number),
            double number => number.ToString("R", CultureInfo.InvariantCulture) + "D",
            _ => null,
        };
    }
}

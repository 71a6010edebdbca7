using System.Linq;
using System.Threading;
using Hoist.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hoist.Generators.Helpers
{
    /// <summary>Typed reads of an attribute's named arguments, and where each one is written.</summary>
    internal readonly struct AttributeArguments
    {
        private readonly AttributeData _attribute;
        private readonly AttributeSyntax? _syntax;
        private readonly LocationInfo? _fallback;

        public AttributeArguments(AttributeData attribute, LocationInfo? fallback, CancellationToken cancellationToken)
        {
            _attribute = attribute;
            _syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            _fallback = fallback;
        }

        /// <summary>The whole attribute, e.g. <c>Distribute("pytorch")</c>.</summary>
        public LocationInfo? AttributeLocation => LocationInfo.From(_syntax) ?? _fallback;

        public bool Has(string name) => TryGet(name, out _);

        public int? GetInt32(string name) => TryGet(name, out var value) && value is int number ? number : null;

        public bool? GetBoolean(string name) => TryGet(name, out var value) && value is bool flag ? flag : null;

        public string? GetString(string name) => TryGet(name, out var value) ? value as string : null;

        public double? GetDouble(string name) => TryGet(name, out var value)
            ? value switch
            {
                double number => number,
                float number => number,
                int number => number,
                long number => number,
                _ => null,
            }
            : null;

        /// <summary>The value expression of the named argument <paramref name="name"/>, else the attribute.</summary>
        public LocationInfo? Location(string name)
        {
            foreach (var argument in _syntax?.ArgumentList?.Arguments ?? default)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return LocationInfo.From(argument.Expression);
                }
            }

            return AttributeLocation;
        }

        /// <summary>The expression of the positional argument at <paramref name="index"/>, else the attribute.</summary>
        public LocationInfo? ConstructorArgumentLocation(int index)
        {
            var positional = _syntax?.ArgumentList?.Arguments.Where(static a => a.NameEquals is null).ToList();
            return positional is not null && index < positional.Count ? LocationInfo.From(positional[index].Expression) : AttributeLocation;
        }

        private bool TryGet(string name, out object? value)
        {
            foreach (var argument in _attribute.NamedArguments)
            {
                if (argument.Key == name)
                {
                    value = argument.Value.Value;
                    return true;
                }
            }

            value = null;
            return false;
        }
    }
}

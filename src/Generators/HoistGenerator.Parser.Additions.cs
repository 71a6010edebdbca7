using System.Collections.Generic;
using Hoist.Generators.Diagnostics;
using Hoist.Generators.Helpers;
using Hoist.Generators.Models;
using Microsoft.CodeAnalysis;

namespace Hoist.Generators
{
    public sealed partial class HoistGenerator
    {
        internal sealed partial class Parser
        {
            /// <summary>
            /// The transform of the [Env], [Secret], [Setup] and [Volume] steps: nothing on a service, and HOIST043 at each
            /// such attribute on a member no service reads them from (no service attribute, or a method of a class service,
            /// whose settings are the class's), since a silently ignored [Secret] or [Setup] is a surprise in production.
            /// </summary>
            public static EquatableArray<DiagnosticInfo> ParseAddition(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
            {
                var symbol = context.TargetSymbol;
                if (!HoistAttributes.Read(symbol).IsEmpty)
                {
                    return default;
                }

                string why;
                if (symbol is IMethodSymbol { ContainingType: { TypeKind: TypeKind.Class } type } && !HoistAttributes.Read(type).IsEmpty)
                {
                    why = $"'{type.Name}' is a class service, whose settings apply to all its methods, so put it on the class";
                }
                else if (symbol is IMethodSymbol or INamedTypeSymbol)
                {
                    why = "it is no Hoist service; add [Compute] (or [Distribute] or [Autoscale]) to make it one";
                }
                else
                {
                    return default;
                }

                var display = symbol is IMethodSymbol method ? method.ContainingType.Name + "." + method.Name : symbol.Name;
                var diagnostics = new List<DiagnosticInfo>();
                foreach (var attribute in context.Attributes)
                {
                    var name = attribute.AttributeClass?.Name ?? string.Empty;
                    name = name.EndsWith("Attribute", System.StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.AdditionWithoutService,
                        LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken)) ?? LocationOf(symbol),
                        name,
                        display,
                        why));
                }

                return diagnostics.ToEquatableArray();
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Hoist.Generators.Helpers
{
    /// <summary>The Hoist attributes applied to one symbol, matched by metadata name.</summary>
    internal readonly struct HoistAttributes
    {
        private HoistAttributes(AttributeData? compute, AttributeData? distribute, AttributeData? autoscale, IReadOnlyList<AttributeData> all)
        {
            Compute = compute;
            Distribute = distribute;
            Autoscale = autoscale;
            All = all;
        }

        public AttributeData? Compute { get; }

        public AttributeData? Distribute { get; }

        public AttributeData? Autoscale { get; }

        public IReadOnlyList<AttributeData> All { get; }

        public bool IsEmpty => All is null || All.Count == 0;

        public static HoistAttributes Read(ISymbol symbol)
        {
            AttributeData? compute = null, distribute = null, autoscale = null;
            List<AttributeData>? all = null;
            foreach (var attribute in symbol.GetAttributes())
            {
                switch (ShortName(attribute))
                {
                    case "Compute":
                        compute ??= attribute;
                        break;
                    case "Distribute":
                        distribute ??= attribute;
                        break;
                    case "Autoscale":
                        autoscale ??= attribute;
                        break;
                    default:
                        continue;
                }

                (all ??= new List<AttributeData>()).Add(attribute);
            }

            return new HoistAttributes(compute, distribute, autoscale, (IReadOnlyList<AttributeData>?)all ?? Array.Empty<AttributeData>());
        }

        /// <summary>"Compute", "Distribute" or "Autoscale" for a Hoist attribute; null for any other.</summary>
        public static string? ShortName(AttributeData attribute) =>
            attribute.AttributeClass is
            {
                Name: "ComputeAttribute" or "DistributeAttribute" or "AutoscaleAttribute",
                ContainingType: null,
                ContainingNamespace: { Name: "Hoist", ContainingNamespace.IsGlobalNamespace: true },
            } attributeClass
                ? attributeClass.Name.Substring(0, attributeClass.Name.Length - "Attribute".Length)
                : null;

        public static bool IsMalformed(AttributeData attribute) =>
            attribute.AttributeConstructor is null ||
            attribute.ConstructorArguments.Any(static a => a.Kind == TypedConstantKind.Error) ||
            attribute.NamedArguments.Any(static a => a.Value.Kind == TypedConstantKind.Error);
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Hoist.Generators.Helpers
{
    /// <summary>The Hoist attributes applied to one symbol, matched by metadata name.</summary>
    internal readonly struct HoistAttributes
    {
        private HoistAttributes(
            AttributeData? compute,
            AttributeData? distribute,
            AttributeData? autoscale,
            IReadOnlyList<AttributeData> all,
            IReadOnlyList<AttributeData> env,
            IReadOnlyList<AttributeData> secrets,
            IReadOnlyList<AttributeData> setup,
            IReadOnlyList<AttributeData> volumes)
        {
            Setup = setup;
            Volumes = volumes;
            Env = env;
            Secrets = secrets;
            Compute = compute;
            Distribute = distribute;
            Autoscale = autoscale;
            All = all;
        }

        public AttributeData? Compute { get; }

        public AttributeData? Distribute { get; }

        public AttributeData? Autoscale { get; }

        /// <summary>The service attributes ([Compute], [Distribute], [Autoscale]): one of them makes a service.</summary>
        public IReadOnlyList<AttributeData> All { get; }

        /// <summary>Every [Env], in declaration order; they only add to a service, so they are not in <see cref="All"/>.</summary>
        public IReadOnlyList<AttributeData> Env { get; }

        /// <summary>Every [Secret], in declaration order.</summary>
        public IReadOnlyList<AttributeData> Secrets { get; }

        /// <summary>Every [Setup], in declaration order, which is the order the steps run in.</summary>
        public IReadOnlyList<AttributeData> Setup { get; }

        /// <summary>Every [Volume], in declaration order.</summary>
        public IReadOnlyList<AttributeData> Volumes { get; }

        /// <summary>[Env], [Secret], [Setup] and [Volume]: what only adds to a service.</summary>
        public IEnumerable<AttributeData> Additions => Env.Concat(Secrets).Concat(Setup).Concat(Volumes);

        public bool IsEmpty => All is null || All.Count == 0;

        public static HoistAttributes Read(ISymbol symbol)
        {
            AttributeData? compute = null, distribute = null, autoscale = null;
            List<AttributeData>? all = null, env = null, secrets = null, setup = null, volumes = null;
            foreach (var attribute in symbol.GetAttributes())
            {
                if (IsHoistAttribute(attribute, "EnvAttribute"))
                {
                    (env ??= new List<AttributeData>()).Add(attribute);
                    continue;
                }

                if (IsHoistAttribute(attribute, "SecretAttribute"))
                {
                    (secrets ??= new List<AttributeData>()).Add(attribute);
                    continue;
                }

                if (IsHoistAttribute(attribute, "SetupAttribute"))
                {
                    (setup ??= new List<AttributeData>()).Add(attribute);
                    continue;
                }

                if (IsHoistAttribute(attribute, "VolumeAttribute"))
                {
                    (volumes ??= new List<AttributeData>()).Add(attribute);
                    continue;
                }

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

            return new HoistAttributes(
                compute,
                distribute,
                autoscale,
                (IReadOnlyList<AttributeData>?)all ?? Array.Empty<AttributeData>(),
                (IReadOnlyList<AttributeData>?)env ?? Array.Empty<AttributeData>(),
                (IReadOnlyList<AttributeData>?)secrets ?? Array.Empty<AttributeData>(),
                (IReadOnlyList<AttributeData>?)setup ?? Array.Empty<AttributeData>(),
                (IReadOnlyList<AttributeData>?)volumes ?? Array.Empty<AttributeData>());
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

        private static bool IsHoistAttribute(AttributeData attribute, string name) =>
            attribute.AttributeClass is { ContainingType: null, ContainingNamespace: { Name: "Hoist", ContainingNamespace.IsGlobalNamespace: true } } attributeClass
            && attributeClass.Name == name;

        public static bool IsMalformed(AttributeData attribute) =>
            attribute.AttributeConstructor is null ||
            attribute.ConstructorArguments.Any(static a => a.Kind == TypedConstantKind.Error) ||
            attribute.NamedArguments.Any(static a => a.Value.Kind == TypedConstantKind.Error);
    }
}

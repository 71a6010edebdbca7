using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Hoist.Generators.Helpers;
using Hoist.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hoist.Generators
{
    /// <summary>
    /// Turns <c>[Compute]</c>, <c>[Distribute]</c> and <c>[Autoscale]</c> into a typed <c>Remote</c> proxy on
    /// each type that declares services, one <c>HoistServiceTable</c> per assembly holding every
    /// service's descriptor and dispatcher, and the same descriptors as assembly attributes for build-time tools.
    /// </summary>
    /// <remarks>
    /// The pipeline: one <c>ForAttributeWithMetadataName</c> per attribute parses each attributed member into
    /// a value model (<see cref="Parser"/>); the three are merged and deduplicated, so a member carrying several
    /// attributes is one service; <see cref="Planner.Plan"/> checks the services against each other; then
    /// diagnostics, proxies, the service table and the descriptor attributes are separate outputs, written by <see cref="Emitter"/>.
    /// </remarks>
    [Generator(LanguageNames.CSharp)]
    public sealed partial class HoistGenerator : IIncrementalGenerator
    {
        internal const string ComputeAttributeName = "Hoist.ComputeAttribute";
        internal const string DistributeAttributeName = "Hoist.DistributeAttribute";
        internal const string AutoscaleAttributeName = "Hoist.AutoscaleAttribute";
        internal const string ServiceDispatcherName = "Hoist.Dispatch.ServiceDispatcher";

        // What only adds to a service; a member with one of these and no service attribute is HOIST043.
        internal static readonly string[] AdditionAttributeNames = { "Hoist.EnvAttribute", "Hoist.SecretAttribute", "Hoist.SetupAttribute", "Hoist.VolumeAttribute" };

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var computeTargets = Targets(context, ComputeAttributeName, TrackingNames.ComputeTargets);
            var distributeTargets = Targets(context, DistributeAttributeName, TrackingNames.DistributeTargets);
            var autoscaleTargets = Targets(context, AutoscaleAttributeName, TrackingNames.AutoscaleTargets);

            var targets = computeTargets
                .Combine(distributeTargets)
                .Combine(autoscaleTargets)
                .Select(static (all, _) => Merge(all.Left.Left, all.Left.Right, all.Right))
                .WithTrackingName(TrackingNames.Targets);

            var compilation = context.CompilationProvider
                .Select(static (compilation, _) => new CompilationInfo(
                    compilation.AssemblyName ?? string.Empty,
                    compilation.GetTypeByMetadataName(ServiceDispatcherName) is not null))
                .WithTrackingName(TrackingNames.CompilationInfo);

            var generation = targets
                .Combine(compilation)
                .Select(static (input, _) => Planner.Plan(input.Left, input.Right.AssemblyName, input.Right.ReferencesRuntime))
                .WithTrackingName(TrackingNames.Generation);

            var diagnostics = generation.Select(static (model, _) => model.Diagnostics).WithTrackingName(TrackingNames.Diagnostics);
            var proxies = generation.SelectMany(static (model, _) => model.Proxies).WithTrackingName(TrackingNames.Proxies);
            var serviceTable = generation.Select(static (model, _) => model.ServiceTable).WithTrackingName(TrackingNames.ServiceTable);

            context.RegisterSourceOutput(diagnostics, static (context, diagnostics) =>
            {
                foreach (var diagnostic in diagnostics)
                {
                    context.ReportDiagnostic(diagnostic.ToDiagnostic());
                }
            });

            var additions = AdditionAttributeNames
                .Select(name => context.SyntaxProvider
                    .ForAttributeWithMetadataName(
                        name,
                        static (node, _) => node is MethodDeclarationSyntax or ClassDeclarationSyntax or RecordDeclarationSyntax,
                        Parser.ParseAddition)
                    .Collect()
                    .Select(static (found, _) => found.SelectMany(static d => d).ToEquatableArray()))
                .Aggregate(static (all, next) => all.Combine(next).Select(static (pair, _) => pair.Left.Concat(pair.Right).ToEquatableArray()))
                .WithTrackingName(TrackingNames.Additions);

            context.RegisterSourceOutput(additions, static (context, diagnostics) =>
            {
                foreach (var diagnostic in diagnostics)
                {
                    context.ReportDiagnostic(diagnostic.ToDiagnostic());
                }
            });

            context.RegisterSourceOutput(proxies, static (context, proxy) => context.AddSource(proxy.HintName, Emitter.EmitProxy(proxy)));

            context.RegisterSourceOutput(serviceTable, static (context, table) =>
            {
                if (table is not null)
                {
                    context.AddSource(Emitter.ServiceTableHintName, Emitter.EmitServiceTable(table));
                }
            });

            context.RegisterSourceOutput(serviceTable, static (context, table) =>
            {
                if (table is not null)
                {
                    context.AddSource(Emitter.ServiceDescriptorsHintName, Emitter.EmitServiceDescriptors(table));
                }
            });
        }

        private static IncrementalValueProvider<ImmutableArray<ServiceTarget?>> Targets(
            IncrementalGeneratorInitializationContext context, string attributeName, string trackingName) =>
            context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    attributeName,
                    static (node, _) => node is MethodDeclarationSyntax or ClassDeclarationSyntax or RecordDeclarationSyntax,
                    Parser.Parse)
                .WithTrackingName(trackingName)
                .Collect();

        // One target per member, in source order: a member with [Compute] and [Autoscale] is matched twice.
        private static EquatableArray<ServiceTarget> Merge(params ImmutableArray<ServiceTarget?>[] sets)
        {
            var byKey = new Dictionary<string, ServiceTarget>(StringComparer.Ordinal);
            foreach (var set in sets)
            {
                foreach (var target in set)
                {
                    if (target is null)
                    {
                        continue;
                    }

                    if (!byKey.TryGetValue(target.Key, out var existing))
                    {
                        byKey.Add(target.Key, target);
                    }
                    else if (existing.Identifier != target.Identifier && existing.Service is not null)
                    {
                        // Two declarations with one signature (CS0111): a call to either would be ambiguous.
                        byKey[target.Key] = existing with { Service = null };
                    }
                }
            }

            return byKey.Values
                .OrderBy(static t => t.Identifier?.FilePath ?? string.Empty, StringComparer.Ordinal)
                .ThenBy(static t => t.Identifier?.TextSpan.Start ?? 0)
                .ThenBy(static t => t.Key, StringComparer.Ordinal)
                .ToEquatableArray();
        }

        /// <summary>What the generator needs from the compilation itself; never the compilation.</summary>
        private sealed record CompilationInfo(string AssemblyName, bool ReferencesRuntime);

        /// <summary>Names of the pipeline's steps, for incremental-caching tests.</summary>
        internal static class TrackingNames
        {
            public const string ComputeTargets = nameof(ComputeTargets);
            public const string DistributeTargets = nameof(DistributeTargets);
            public const string AutoscaleTargets = nameof(AutoscaleTargets);
            public const string Targets = nameof(Targets);
            public const string CompilationInfo = nameof(CompilationInfo);
            public const string Generation = nameof(Generation);
            public const string Diagnostics = nameof(Diagnostics);
            public const string Proxies = nameof(Proxies);
            public const string ServiceTable = nameof(ServiceTable);
            public const string Additions = nameof(Additions);

            public static readonly string[] All =
            {
                ComputeTargets, DistributeTargets, AutoscaleTargets, Targets, CompilationInfo, Generation, Diagnostics, Proxies, ServiceTable, Additions,
            };
        }
    }
}

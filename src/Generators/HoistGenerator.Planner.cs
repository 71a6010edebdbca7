using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Hoist.Generators.Diagnostics;
using Hoist.Generators.Helpers;
using Hoist.Generators.Models;

namespace Hoist.Generators
{
    public sealed partial class HoistGenerator
    {
        /// <summary>
        /// The step after parsing: the services of a compilation checked against each other, and the output
        /// planned. Works on value models only, so it reruns cheaply when any one service changes.
        /// </summary>
        internal static class Planner
        {
            /// <summary>
            /// Checks the services against each other (HOIST013, HOIST020, HOIST022) and plans the output: one
            /// proxy per declaring type, one service table. <paramref name="targets"/> is already deduplicated
            /// and in source order, so "the second" declaration is the later one in the compilation.
            /// </summary>
            public static GenerationModel Plan(EquatableArray<ServiceTarget> targets, string assemblyName, bool hasRuntime)
            {
                var diagnostics = new List<DiagnosticInfo>();
                var services = new List<ServiceModel>();
                var byName = new Dictionary<string, ServiceModel>(StringComparer.Ordinal);
                var proxyMethods = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
                foreach (var target in targets)
                {
                    diagnostics.AddRange(target.Diagnostics);
                    if (target.Service is not { } service)
                    {
                        continue;
                    }

                    if (byName.TryGetValue(service.Name, out var first))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.DuplicateServiceName,
                            target.NameLocation ?? target.Identifier,
                            service.Name,
                            first.DeclaringType.MetadataName + (first.IsClassService ? string.Empty : "." + first.Methods[0].Name)));
                        continue;
                    }

                    // Two method services of one type must not produce the same proxy method.
                    if (!service.IsClassService)
                    {
                        var method = service.Methods[0];
                        var signature = method.ProxyName + "(" + string.Join(", ", method.Parameters.Where(p => !p.IsCancellationToken).Select(p => p.Type)) + ")";
                        if (!proxyMethods.TryGetValue(service.DeclaringType.FullyQualifiedName, out var signatures))
                        {
                            proxyMethods.Add(service.DeclaringType.FullyQualifiedName, signatures = new HashSet<string>(StringComparer.Ordinal));
                        }

                        if (!signatures.Add(signature))
                        {
                            diagnostics.Add(DiagnosticInfo.Create(
                                DiagnosticDescriptors.DuplicateRemoteMethod,
                                target.Identifier,
                                service.DeclaringType.Declarations[service.DeclaringType.Declarations.Count - 1].Name,
                                method.ProxyName));
                            continue;
                        }
                    }

                    byName.Add(service.Name, service);
                    services.Add(service);
                }

                if (services.Count > 0 && !hasRuntime)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RuntimeNotReferenced, null));
                    services.Clear();
                }

                return new GenerationModel(
                    PlanProxies(services),
                    services.Count > 0 ? new ServiceTableModel(assemblyName, services.ToEquatableArray()) : null,
                    diagnostics.Distinct().ToEquatableArray());
            }

            private static EquatableArray<ProxyModel> PlanProxies(List<ServiceModel> services)
            {
                var proxies = new List<ProxyModel>();
                var hintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var group in services.GroupBy(static s => s.DeclaringType.FullyQualifiedName, StringComparer.Ordinal))
                {
                    var type = group.First().DeclaringType;
                    // A parameter named like a field would hide it inside the proxy method.
                    var fieldNames = new HashSet<string>(
                        group.SelectMany(static s => s.Methods).SelectMany(static m => m.Parameters).Select(static p => p.Name),
                        StringComparer.Ordinal);
                    var methods = new List<ProxyMethodModel>();
                    foreach (var service in group)
                    {
                        foreach (var method in service.Methods)
                        {
                            var fieldName = ServiceNames.Unique("s_" + ServiceNames.ToCamelCase(method.Name), fieldNames);
                            fieldNames.Add(fieldName);
                            methods.Add(new ProxyMethodModel(service.Name, service.IsDistributed, service.IsClassService, fieldName, method));
                        }
                    }

                    // Nested types join with '.', so "A.B" the namespace and "A+B" the nested type could meet.
                    var baseName = new string(type.MetadataName.Select(static c => char.IsLetterOrDigit(c) || c is '.' or '_' ? c : '.').ToArray()) + ".Remote";
                    var hintName = baseName;
                    for (var i = 2; !hintNames.Add(hintName); i++)
                    {
                        hintName = baseName + i.ToString(CultureInfo.InvariantCulture);
                    }

                    proxies.Add(new ProxyModel(hintName + ".g.cs", type, methods.ToEquatableArray()));
                }

                return proxies.ToEquatableArray();
            }

        }
    }
}

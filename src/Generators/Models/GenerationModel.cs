using Hoist.Generators.Helpers;

namespace Hoist.Generators.Models
{
    /// <summary>Everything to write for a compilation: proxies, the service table and the diagnostics.</summary>
    internal sealed record GenerationModel(
        EquatableArray<ProxyModel> Proxies,
        ServiceTableModel? ServiceTable,
        EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>The <c>Remote</c> property and <c>RemoteProxy</c> class added to one type.</summary>
    internal sealed record ProxyModel(string HintName, TypeModel Type, EquatableArray<ProxyMethodModel> Methods);

    /// <summary>One method of a <c>RemoteProxy</c>, with the service it calls.</summary>
    internal sealed record ProxyMethodModel(string ServiceName, bool IsDistributed, bool IsClassService, string FieldName, MethodModel Method);

    /// <summary>The assembly's <c>HoistServiceTable</c>: one descriptor and one dispatcher per service.</summary>
    internal sealed record ServiceTableModel(string AssemblyName, EquatableArray<ServiceModel> Services);
}

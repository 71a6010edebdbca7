using System.ComponentModel;

namespace Hoist;

/// <summary>
/// One service's descriptor, as <see cref="ServiceDescriptorJson"/> JSON, written into the assembly by the
/// generator: <c>[assembly: HoistServiceDescriptor("{...}")]</c>. Tools read it from metadata (see
/// <see cref="Manifests.AssemblyDescriptorReader"/>), so rendering manifests never loads or runs the app.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
public sealed class HoistServiceDescriptorAttribute(string json) : Attribute
{
    public string Json { get; } = json;
}

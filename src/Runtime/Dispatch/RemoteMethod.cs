using System.ComponentModel;

namespace Hoist.Dispatch;

/// <summary>A remote method's address: its service and its method id. Generated proxies keep one per method.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class RemoteMethod(string service, string name)
{
    public string Service { get; } = service;

    public string Name { get; } = name;

    public override string ToString() => $"{Service}/{Name}";
}

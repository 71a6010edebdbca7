using System.ComponentModel;

namespace Hoist.Dispatch;

/// <summary>
/// A remote method's address: its service and its method id, and the fingerprint of its wire contract in this
/// build (0 for none: a call by name, which the worker's JSON reading checks instead). Generated proxies keep one per method.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class RemoteMethod(string service, string name, ulong wireContract = 0)
{
    public string Service { get; } = service;

    public string Name { get; } = name;

    public ulong WireContract { get; } = wireContract;

    public override string ToString() => $"{Service}/{Name}";
}

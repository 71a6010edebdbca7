using Hoist.Dispatch;

namespace Hoist;

/// <summary>
/// The caller side of Hoist: routes proxy calls to the backend that runs each service.
/// </summary>
public sealed partial class HoistClient : IRemoteInvoker
{
    /// <summary>The client that proxies built without an explicit invoker use. The host sets it at start-up.</summary>
    public static HoistClient? Default { get; internal set; }

    // Placeholder while the client is written; replaced in the same change.
    public Task<ReadOnlyMemory<byte>> InvokeAsync(RemoteMethod method, ReadOnlyMemory<byte> arguments, RemoteCallOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<ReadOnlyMemory<byte>>> InvokeAllAsync(RemoteMethod method, ReadOnlyMemory<byte> arguments, RemoteCallOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();
}

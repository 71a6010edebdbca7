namespace Hoist.Dispatch;

/// <summary>
/// Sends serialized calls to a service's workers. <see cref="HoistClient"/> is the implementation; a proxy
/// built without one uses <see cref="HoistClient.Default"/>, which the host sets at start-up.
/// </summary>
public interface IRemoteInvoker
{
    /// <summary>Calls one replica and returns the serialized result.</summary>
    Task<ReadOnlyMemory<byte>> InvokeAsync(RemoteMethod method, ReadOnlyMemory<byte> arguments, RemoteCallOptions options, CancellationToken cancellationToken);

    /// <summary>Calls every rank of a distributed service at once and returns the results in rank order.</summary>
    Task<IReadOnlyList<ReadOnlyMemory<byte>>> InvokeAllAsync(RemoteMethod method, ReadOnlyMemory<byte> arguments, RemoteCallOptions options, CancellationToken cancellationToken);
}

using Hoist.Serialization;

namespace Hoist.Dispatch;

/// <summary>
/// Sends calls to a service's workers and decodes their answers. <c>HoistClient</c> (src/Runtime/Client) is the
/// implementation; a proxy built without one uses <c>HoistClient.Default</c>, which the host sets
/// at start-up. Each method takes ownership of <c>arguments</c> and disposes it when the call is over.
/// </summary>
public interface IRemoteInvoker
{
    /// <summary>Calls one replica and returns its result.</summary>
    Task<T> InvokeAsync<T>(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken);

    /// <summary>Calls one replica of a method that returns nothing.</summary>
    Task InvokeVoidAsync(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Calls one replica of a method that returns <c>IAsyncEnumerable&lt;T&gt;</c> and yields its items as they
    /// arrive. Nothing is sent until the result is enumerated; the call ends when the enumeration does.
    /// </summary>
    IAsyncEnumerable<T> InvokeStreamingAsync<T>(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken);

    /// <summary>Calls every rank of a distributed service at once and returns the results in rank order.</summary>
    Task<IReadOnlyList<T>> InvokeAllAsync<T>(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken);

    /// <summary>Calls every rank of a distributed method that returns nothing.</summary>
    Task InvokeAllVoidAsync(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken);
}

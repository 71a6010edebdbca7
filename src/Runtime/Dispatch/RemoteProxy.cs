using System.ComponentModel;
using Hoist.Serialization;

namespace Hoist.Dispatch;

/// <summary>
/// The invoker of proxies built without one: the process's <c>HoistClient.Default</c> (src/Runtime/Client/HoistClient.cs),
/// which the host sets at start-up. Kept here so that dispatch needs nothing from the client above it.
/// </summary>
internal static class DefaultInvoker
{
    public static IRemoteInvoker? Current { get; set; }
}

/// <summary>
/// Base of the generated <c>RemoteProxy</c> classes: turns a typed call into bytes for an
/// <see cref="IRemoteInvoker"/> and the reply back into the declared return type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class RemoteProxy<TSelf> where TSelf : RemoteProxy<TSelf>
{
    private readonly IRemoteInvoker? _invoker;

    protected RemoteProxy(IRemoteInvoker? invoker, RemoteCallOptions? options)
    {
        _invoker = invoker;
        Options = options ?? RemoteCallOptions.Default;
    }

    public RemoteCallOptions Options { get; }

    /// <summary>The same proxy with a deadline of <paramref name="timeout"/> on every call.</summary>
    public TSelf WithTimeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        return Create(_invoker, Options with { Timeout = timeout });
    }

    /// <summary>The same proxy bound to <paramref name="invoker"/> instead of the default invoker.</summary>
    public TSelf WithInvoker(IRemoteInvoker invoker)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        return Create(invoker, Options);
    }

    protected abstract TSelf Create(IRemoteInvoker? invoker, RemoteCallOptions options);

    private IRemoteInvoker Invoker => _invoker ?? DefaultInvoker.Current ?? throw new InvalidOperationException(
        "Hoist is not started in this process. Add 'await using var hoist = await HoistApplication.StartAsync(args);' " +
        "at the top of Program.cs, or pass an invoker with WithInvoker(...).");

    protected Task<T> InvokeAsync<T>(RemoteMethod method, PayloadWriter arguments, CancellationToken cancellationToken) =>
        Invoker.InvokeAsync<T>(method, arguments, Options, cancellationToken);

    protected Task InvokeVoidAsync(RemoteMethod method, PayloadWriter arguments, CancellationToken cancellationToken) =>
        Invoker.InvokeVoidAsync(method, arguments, Options, cancellationToken);

    protected IAsyncEnumerable<T> InvokeStreamingAsync<T>(RemoteMethod method, PayloadWriter arguments, CancellationToken cancellationToken) =>
        Invoker.InvokeStreamingAsync<T>(method, arguments, Options, cancellationToken);

    protected Task<IReadOnlyList<T>> InvokeAllAsync<T>(RemoteMethod method, PayloadWriter arguments, CancellationToken cancellationToken) =>
        Invoker.InvokeAllAsync<T>(method, arguments, Options, cancellationToken);

    protected Task InvokeAllVoidAsync(RemoteMethod method, PayloadWriter arguments, CancellationToken cancellationToken) =>
        Invoker.InvokeAllVoidAsync(method, arguments, Options, cancellationToken);
}

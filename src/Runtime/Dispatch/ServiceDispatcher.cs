using System.ComponentModel;
using System.Runtime.CompilerServices;
using Hoist.Serialization;

namespace Hoist.Dispatch;

/// <summary>
/// The worker side of one service: the generator derives a class per service that switches on the method
/// id, reads the arguments, calls the user's method and writes its result. A class service's instance is
/// built once with the dispatcher and disposed with it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class ServiceDispatcher : IAsyncDisposable
{
    private readonly object? _instance;

    protected ServiceDispatcher(object? instance = null) => _instance = instance;

    /// <summary>The wire contract of each method, which the worker checks each call's fingerprint against; the generator overrides it.</summary>
    public virtual IReadOnlyList<WireContract> WireContracts => [];

    /// <summary>
    /// Runs <paramref name="method"/>. Throws <see cref="UnknownMethodException"/> for an unknown id and
    /// <see cref="PayloadFormatException"/> for arguments that do not parse.
    /// </summary>
    public abstract ValueTask<ReadOnlyMemory<byte>> InvokeAsync(string method, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="method"/> with JSON arguments (an array in parameter order, or an object by
    /// parameter name) and returns its result as JSON. The generator overrides it; tools such as
    /// <c>hoist call</c> use it, since they know a service only by its name.
    /// </summary>
    public virtual ValueTask<ReadOnlyMemory<byte>> InvokeJsonAsync(string method, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This service was built by a Hoist generator without JSON invocation; rebuild it with the current Hoist.");

    /// <summary>
    /// Starts <paramref name="method"/>, one that returns <c>IAsyncEnumerable&lt;T&gt;</c>, and returns its items
    /// serialized one by one. The arguments are read before this returns, so malformed ones throw here; the
    /// method itself runs as the items are pulled. The generator overrides it for services that stream.
    /// </summary>
    public virtual IAsyncEnumerable<ReadOnlyMemory<byte>> InvokeStreamingAsync(string method, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken) =>
        throw new UnknownMethodException(GetType().Name, method);

    /// <summary>
    /// The JSON twin of <see cref="InvokeStreamingAsync"/>: JSON arguments, each item as JSON. Tools such as
    /// <c>hoist call</c> use it, as they use <see cref="InvokeJsonAsync"/> for the other methods.
    /// </summary>
    public virtual IAsyncEnumerable<ReadOnlyMemory<byte>> InvokeStreamingJsonAsync(string method, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken) =>
        throw new UnknownMethodException(GetType().Name, method);

    public virtual async ValueTask DisposeAsync()
    {
        switch (_instance)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        GC.SuppressFinalize(this);
    }

    protected static ValueTask<ReadOnlyMemory<byte>> Return<T>(T value) => new(Payload.Serialize(value));

    protected static async ValueTask<ReadOnlyMemory<byte>> ReturnAsync<T>(Task<T> task) => Payload.Serialize(await task.ConfigureAwait(false));

    protected static async ValueTask<ReadOnlyMemory<byte>> ReturnAsync<T>(ValueTask<T> task) => Payload.Serialize(await task.ConfigureAwait(false));

    protected static ValueTask<ReadOnlyMemory<byte>> ReturnVoid() => new(ReadOnlyMemory<byte>.Empty);

    protected static async ValueTask<ReadOnlyMemory<byte>> ReturnVoidAsync(Task task)
    {
        await task.ConfigureAwait(false);
        return ReadOnlyMemory<byte>.Empty;
    }

    protected static async ValueTask<ReadOnlyMemory<byte>> ReturnVoidAsync(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>
    /// Serializes each item as the method yields it. The token reaches the method twice, as its argument and
    /// through <c>WithCancellation</c>, so an <c>[EnumeratorCancellation]</c> parameter sees it either way.
    /// </summary>
    protected static IAsyncEnumerable<ReadOnlyMemory<byte>> ReturnStream<T>(IAsyncEnumerable<T> items, CancellationToken cancellationToken = default) =>
        Serialized(items, static item => Payload.Serialize(item), cancellationToken);

    /// <summary>As <see cref="ReturnStream{T}"/>, each item as JSON.</summary>
    protected static IAsyncEnumerable<ReadOnlyMemory<byte>> ReturnJsonStream<T>(IAsyncEnumerable<T> items, CancellationToken cancellationToken = default) =>
        Serialized(items, static item => JsonArguments.Serialize(item), cancellationToken);

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Serialized<T>(IAsyncEnumerable<T> items, Func<T, ReadOnlyMemory<byte>> serialize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return serialize(item);
        }
    }

    protected static ValueTask<ReadOnlyMemory<byte>> ReturnJson<T>(T value) => new(JsonArguments.Serialize(value));

    protected static async ValueTask<ReadOnlyMemory<byte>> ReturnJsonAsync<T>(Task<T> task) => JsonArguments.Serialize(await task.ConfigureAwait(false));

    protected static async ValueTask<ReadOnlyMemory<byte>> ReturnJsonAsync<T>(ValueTask<T> task) => JsonArguments.Serialize(await task.ConfigureAwait(false));

    protected static ValueTask<ReadOnlyMemory<byte>> ReturnJsonVoid() => new(JsonArguments.Null);

    protected static async ValueTask<ReadOnlyMemory<byte>> ReturnJsonVoidAsync(Task task)
    {
        await task.ConfigureAwait(false);
        return JsonArguments.Null;
    }

    protected static async ValueTask<ReadOnlyMemory<byte>> ReturnJsonVoidAsync(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return JsonArguments.Null;
    }

    protected static UnknownMethodException UnknownMethod(string service, string method) => new(service, method);
}

/// <summary>The worker has no method with the requested id; the caller sees gRPC Unimplemented.</summary>
public sealed class UnknownMethodException(string service, string method)
    : Exception($"Service '{service}' has no remote method '{method}'.")
{
    public string Service { get; } = service;
    public string Method { get; } = method;
}

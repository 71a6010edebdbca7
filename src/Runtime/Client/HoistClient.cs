using System.Globalization;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Hoist.Client;
using Hoist.Dispatch;
using Hoist.Hosting;
using Hoist.Protocol;
using Hoist.Serialization;
using Hoist.Telemetry;
using Hoist.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hoist;

/// <summary>
/// The caller side of Hoist: routes proxy calls to the backend that runs each service, applies deadlines
/// and cancellation, and turns every failure into a typed exception that names the service.
/// </summary>
public sealed partial class HoistClient : IRemoteInvoker, IAsyncDisposable
{
    private readonly IHoistBackend _backend;
    private readonly ServiceCatalog _catalog;
    private readonly ILogger<HoistClient> _logger;
    private readonly CancellationToken _stopping;
    private int _callsInFlight;

    // Process-wide, so that two clients in one process never name the same call.
    private static long s_callCount;

    // stopping: the app's stopping token; when it fires (Ctrl+C, SIGTERM, the host stopping), every call in flight is cancelled.
    internal HoistClient(IHoistBackend backend, ServiceCatalog catalog, ILogger<HoistClient> logger, CancellationToken stopping = default)
    {
        _backend = backend;
        _catalog = catalog;
        _logger = logger;
        _stopping = stopping;
    }

    /// <summary>Calls sent to a worker and not yet answered, for the line Ctrl+C prints.</summary>
    internal int CallsInFlight => Volatile.Read(ref _callsInFlight);

    /// <summary>The backend that runs this app's services.</summary>
    internal IHoistBackend Backend => _backend;

    /// <summary>The client that proxies built without an explicit invoker use. The host sets it at start-up.</summary>
    public static HoistClient? Default
    {
        get => Dispatch.DefaultInvoker.Current as HoistClient;
        internal set => Dispatch.DefaultInvoker.Current = value;
    }

    /// <summary>The service as it will run: its attributes with the configuration's overrides applied.</summary>
    public ServiceDescriptor Describe(string service) => _catalog.Describe(service);

    /// <summary>The service's ready and desired replicas and its autoscaler's recent decisions; null when it is not running.</summary>
    public ServiceStatus? GetStatus(string service) => _backend.GetStatus(service);

    /// <summary>Starts the service's workers now instead of on its first call, and waits until they serve.</summary>
    public async Task StartServiceAsync(string service, CancellationToken cancellationToken = default) =>
        await _backend.GetDeploymentAsync(Describe(service).Name, cancellationToken).ConfigureAwait(false);

    /// <summary>Stops the service's workers after their in-flight calls finish. The next call starts it again.</summary>
    public Task StopServiceAsync(string service, CancellationToken cancellationToken = default) =>
        _backend.StopServiceAsync(service, cancellationToken);

    public Task<T> InvokeAsync<T>(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken) =>
        HoistInstruments.IsCallObserved
            ? ObserveAsync(method, () => SendAsync<T>(method, arguments, options, cancellationToken))
            : SendAsync<T>(method, arguments, options, cancellationToken);

    private Task<T> SendAsync<T>(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken)
    {
        var deadline = CallDeadline.Start(Timeout(method.Service, options));
        var token = CallToken(cancellationToken, out var linked);
        if (linked is not null)
        {
            return SendLinkedAsync<T>(method, arguments, deadline, token, linked);
        }

        // The common case, a service with a ready replica, goes straight to the call: one async frame
        // from the proxy to gRPC. Waiting in the activator takes the slower path.
        ValueTask<ServiceDeployment> deployment;
        try
        {
            deployment = DeploymentAsync(method.Service, deadline, token);
        }
        catch
        {
            arguments.Dispose();
            throw;
        }

        return deployment.IsCompletedSuccessfully
            ? CallAsync<T>(deployment.Result.PickReplica(), method, arguments, deadline, token, ownsArguments: true)
            : WaitThenCallAsync<T>(deployment, method, arguments, deadline, token);
    }

    /// <summary>A call whose caller's token and the app's stopping token are both live: one linked token, disposed after the call.</summary>
    private async Task<T> SendLinkedAsync<T>(RemoteMethod method, PayloadWriter arguments, CallDeadline deadline, CancellationToken token, CancellationTokenSource linked)
    {
        using (linked)
        {
            return await WaitThenCallAsync<T>(DeploymentAsync(method.Service, deadline, token), method, arguments, deadline, token).ConfigureAwait(false);
        }
    }

    public Task InvokeVoidAsync(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken) =>
        InvokeAsync<NoResult>(method, arguments, options, cancellationToken);

    public Task<IReadOnlyList<T>> InvokeAllAsync<T>(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken) =>
        HoistInstruments.IsCallObserved
            ? ObserveAsync(method, () => SendToAllAsync<T>(method, arguments, options, cancellationToken))
            : SendToAllAsync<T>(method, arguments, options, cancellationToken);

    private async Task<IReadOnlyList<T>> SendToAllAsync<T>(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken)
    {
        using (arguments)
        {
            var deadline = CallDeadline.Start(Timeout(method.Service, options));
            var token = CallToken(cancellationToken, out var linked);
            using var stopping = linked;
            var deployment = await DeploymentAsync(method.Service, deadline, token).ConfigureAwait(false);
            var ranks = deployment.PickGroup();

            // Every rank at once; the first failure cancels the others, so no rank is left waiting on a
            // collective that will never complete.
            using var group = CancellationTokenSource.CreateLinkedTokenSource(token);
            var calls = new Task<T>[ranks.Count];

            // Large arguments go to shared memory once, and every local rank reads the same region. WhenAll
            // below returns only once every rank's call has ended, so the region outlives all of them.
            using var shared = SharedArguments.For(ranks[0], arguments, _logger);
            for (var rank = 0; rank < calls.Length; rank++)
            {
                calls[rank] = CallAsync<T>(ranks[rank], method, arguments, deadline, group.Token, ownsArguments: false, cancelOnFailure: group, shared?.Region);
            }

            try
            {
                await Task.WhenAll(calls).ConfigureAwait(false);
                if (shared is not null)
                {
                    shared.Answered = true;
                }
            }
            catch when (!token.IsCancellationRequested)
            {
                throw new DistributedCallException(method.Service, calls
                    .Select((call, rank) => (call, rank))
                    .Where(c => c.call.IsFaulted && c.call.Exception!.InnerException is not OperationCanceledException)
                    .Select(c => new RankFailure(c.rank, c.call.Exception!.InnerException!))
                    .ToArray());
            }

            var results = new T[calls.Length];
            for (var rank = 0; rank < results.Length; rank++)
            {
                results[rank] = calls[rank].Result;
            }

            return results;
        }
    }

    /// <summary>
    /// Calls a method known only by name, with JSON arguments (an array in parameter order, or an object
    /// by parameter name), and returns its result as JSON; for a distributed service, a JSON array with
    /// one result per rank. The worker decodes the arguments with the method's declared types.
    /// </summary>
    public async Task<string> InvokeJsonAsync(string service, string method, string argumentsJson, CancellationToken cancellationToken = default)
    {
        var (descriptor, remote, arguments) = JsonCall(service, method, argumentsJson);
        if (descriptor.Distribution is null)
        {
            return (await InvokeAsync<JsonText>(remote, arguments, RemoteCallOptions.Default, cancellationToken).ConfigureAwait(false)).Json;
        }

        var ranks = await InvokeAllAsync<JsonText>(remote, arguments, RemoteCallOptions.Default, cancellationToken).ConfigureAwait(false);
        return $"[{string.Join(",", ranks.Select(r => r.Json))}]";
    }

    /// <summary>
    /// Calls a method that returns <c>IAsyncEnumerable&lt;T&gt;</c> by name with JSON arguments, and yields each item as
    /// JSON as it arrives, as <see cref="InvokeJsonAsync"/> does for the other methods (<c>hoist call</c> uses both).
    /// </summary>
    public IAsyncEnumerable<string> InvokeJsonStreamingAsync(string service, string method, string argumentsJson, CancellationToken cancellationToken = default)
    {
        var (_, remote, arguments) = JsonCall(service, method, argumentsJson);
        return InvokeStreamingAsync<JsonText>(remote, arguments, RemoteCallOptions.Default, cancellationToken).Select(static item => item.Json);
    }

    // A call by name with JSON arguments: the method must be one the service declares; the payload is the JSON itself.
    private (ServiceDescriptor Descriptor, RemoteMethod Method, PayloadWriter Arguments) JsonCall(string service, string method, string argumentsJson)
    {
        var descriptor = Describe(service);
        if (!descriptor.Methods.Contains(method, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Service '{service}' has no remote method '{method}' (it has: {string.Join(", ", descriptor.Methods)}).", nameof(method));
        }

        var arguments = new PayloadWriter();
        var bytes = Encoding.UTF8.GetBytes(argumentsJson);
        bytes.CopyTo(arguments.GetSpan(bytes.Length));
        arguments.Advance(bytes.Length);
        return (descriptor, new RemoteMethod(descriptor.Name, method), arguments);
    }

    public Task InvokeAllVoidAsync(RemoteMethod method, PayloadWriter arguments, RemoteCallOptions options, CancellationToken cancellationToken) =>
        InvokeAllAsync<NoResult>(method, arguments, options, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (ReferenceEquals(Default, this))
        {
            Default = null;
        }

        await _backend.DisposeAsync().ConfigureAwait(false);
    }

    private TimeSpan? Timeout(string service, RemoteCallOptions options) => options.Timeout ?? _catalog.CallTimeout(service);

    private async Task<T> WaitThenCallAsync<T>(ValueTask<ServiceDeployment> deployment, RemoteMethod method, PayloadWriter arguments, CallDeadline deadline, CancellationToken cancellationToken)
    {
        ServiceDeployment ready;
        try
        {
            ready = await deployment.ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (_stopping.IsCancellationRequested)
        {
            arguments.Dispose();
            throw Stopped(method, ex);
        }
        catch
        {
            arguments.Dispose();
            throw;
        }

        return await CallAsync<T>(ready.PickReplica(), method, arguments, deadline, cancellationToken, ownsArguments: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends one call to one worker and decodes its answer. The only async frame between a proxy and
    /// gRPC, since it runs on every call. For a rank of a distributed call, <c>cancelOnFailure</c> is the
    /// group to cancel when this rank fails, and the call goes over the rank's <see cref="CallStream"/>,
    /// which fails the way a unary call does, so everything below treats both alike.
    /// </summary>
    private async Task<T> CallAsync<T>(
        WorkerEndpoint endpoint,
        RemoteMethod method,
        PayloadWriter arguments,
        CallDeadline deadline,
        CancellationToken cancellationToken,
        bool ownsArguments,
        CancellationTokenSource? cancelOnFailure = null,
        SharedRegion? sharedArguments = null)
    {
        SharedArguments? ownShared = null;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var request = new InvokeRequest
                {
                    Method = method.Name,
                    CallId = (ulong)Interlocked.Increment(ref s_callCount),
                    Json = typeof(T) == typeof(JsonText),
                    WireContract = method.WireContract,
                };
                if (sharedArguments is null && ownsArguments && ownShared is null)
                {
                    ownShared = SharedArguments.For(endpoint, arguments, _logger);
                }

                if ((sharedArguments ?? ownShared?.Region) is { } region && endpoint.SharedMemoryFolder is not null)
                {
                    request.SharedPayload = region;
                }
                else
                {
                    request.Payload = UnsafeByteOperations.UnsafeWrap(arguments.WrittenMemory);
                }

                using var resultOffer = ResultOffer.For<T>(endpoint, arguments.WrittenCount, _logger);
                if (resultOffer is not null)
                {
                    request.ResultOffer = resultOffer.Offer;
                }

                if (deadline.At is { } at)
                {
                    request.DeadlineUnixMs = new DateTimeOffset(at).ToUnixTimeMilliseconds();
                }

                // No per-call link to the worker's lifetime: when the backend sees the worker's process
                // end, it disposes the endpoint's channel, which fails every call still on it.
                endpoint.BeginCall();
                Interlocked.Increment(ref _callsInFlight);
                try
                {
                    InvokeResponse response;
                    if (request.SharedPayload is null && endpoint.SharedMemoryFolder is { } folder && arguments.WrittenCount > _catalog.MaxRequestBytes)
                    {
                        // Arguments in shared memory are bounded by its free space, not by the message limit; these
                        // did not fit there, and are too big to go inline: refused before anything is sent, saying why.
                        throw new RpcException(new Status(StatusCode.ResourceExhausted, TooBigForEither(folder, arguments.WrittenCount)));
                    }

                    // A rank of a fan-out, or any call to a worker on this machine, rides the worker's call
                    // stream: a frame on an open HTTP/2 stream costs less than a new stream per call.
                    if (cancelOnFailure is not null || endpoint.SocketPath is not null)
                    {
                        TraceContext.Stamp(request);
                        response = await endpoint.CallStream.InvokeAsync(request, deadline.At, _catalog.MaxRequestBytes, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        using var call = endpoint.Client.InvokeAsync(request, new CallOptions(TraceContext.Headers(endpoint.Headers), deadline.At, cancellationToken));
                        response = await call.ResponseAsync.ConfigureAwait(false);
                    }

                    // The worker answered, so it is done with the call's shared-memory files: they may be kept.
                    if (ownShared is not null)
                    {
                        ownShared.Answered = true;
                    }

                    if (resultOffer is not null)
                    {
                        resultOffer.Answered = true;
                    }

                    if (response.OutcomeCase == InvokeResponse.OutcomeOneofCase.Error)
                    {
                        throw ToRemoteException(response.Error);
                    }

                    if (typeof(T) == typeof(NoResult))
                    {
                        return default!;
                    }

                    if (response.OutcomeCase == InvokeResponse.OutcomeOneofCase.SharedResult)
                    {
                        return ReadSharedResult<T>(endpoint, method, resultOffer, response.SharedResult);
                    }

                    return typeof(T) == typeof(JsonText)
                        ? (T)(object)new JsonText(Encoding.UTF8.GetString(response.Result.Span))
                        : Payload.Deserialize<T>(response.Result.Span);
                }
                catch (Exception ex) when (attempt == 0 && ownsArguments && !cancellationToken.IsCancellationRequested && NeverReachedTheWorker(endpoint, ex))
                {
                    // The call never ran: the replica was leaving rotation, or its process was already gone
                    // and nothing accepted the connection. Send it once more, to a replica that serves.
                    endpoint.MarkLostIfUnreachable(ex);
                }
                catch (Exception ex) when (IsCallFailure(ex, cancellationToken))
                {
                    throw CallFailed(ex, endpoint, method, deadline.Timeout, cancellationToken);
                }
                catch (OperationCanceledException ex) when (_stopping.IsCancellationRequested)
                {
                    throw Stopped(method, ex);
                }
                finally
                {
                    Interlocked.Decrement(ref _callsInFlight);
                    endpoint.EndCall();
                }

                endpoint = (await DeploymentAsync(method.Service, deadline, cancellationToken).ConfigureAwait(false)).PickReplica();
            }
        }
        catch (Exception) when (CancelGroup(cancelOnFailure))
        {
            throw; // Not reached: the filter cancels the other ranks and lets the exception through.
        }
        finally
        {
            ownShared?.Dispose();
            if (ownsArguments)
            {
                arguments.Dispose();
            }
        }
    }

    private string TooBigForEither(string folder, long size) =>
        $"The request is {size} bytes: too big for shared memory at {folder}, which has {SharedMemoryFallback.Size(SharedRegions.FreeBytes(folder))} free, "
        + $"and over the {_catalog.MaxRequestBytes} bytes a worker accepts inline (Hoist:MaxRequestBytes). Grow /dev/shm (`docker run --shm-size`, "
        + "or a memory-backed emptyDir at /dev/shm, which Hoist renders for [Compute(SharedMemory = ...)]) or raise Hoist:MaxRequestBytes.";

    /// <summary>A result the worker put in the region this call offered; a region that does not check out fails the call.</summary>
    private static T ReadSharedResult<T>(WorkerEndpoint endpoint, RemoteMethod method, ResultOffer? offer, SharedRegion region)
    {
        try
        {
            if (offer is null || region.Name != offer.Offer.Name)
            {
                throw new InvalidDataException($"the worker answered in region '{region.Name}', which this call did not offer");
            }

            if (ResultOffer.DirectReader<T>() is { } direct)
            {
                return direct(offer.Folder, region);
            }

            var buffer = SharedRegions.Read(offer.Folder, region, int.MaxValue);
            try
            {
                return Payload.Deserialize<T>(buffer.AsSpan(0, (int)region.Length));
            }
            finally
            {
                SharedRegions.Return(buffer);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new HoistException(endpoint.Service, endpoint.Replica, $"The result of '{method}' could not be read from shared memory: {ex.Message}", ex);
        }
    }

    /// <summary>Cancels a distributed call's other ranks as soon as one fails; always false, so nothing is caught.</summary>
    private static bool CancelGroup(CancellationTokenSource? group)
    {
        if (group is not null && !group.IsCancellationRequested)
        {
            _ = group.CancelAsync();
        }

        return false;
    }

    private static bool NeverReachedTheWorker(WorkerEndpoint endpoint, Exception exception) =>
        (endpoint.IsDraining && exception is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Cancelled } or ObjectDisposedException or OperationCanceledException)
        || WorkerEndpoint.IsConnectionRefused(exception);

    /// <summary>A failure of the call itself, as opposed to the caller's own cancellation: the worker answered with a status, or its connection went away.</summary>
    private static bool IsCallFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is RpcException || (ex is ObjectDisposedException or OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>
    /// What a call that failed throws, the same for a unary call, a stream's opening and its every item. A broken
    /// connection to a worker on this machine means the worker is gone: it is marked, so the next call waits for its
    /// replacement instead of finding the same dead end.
    /// </summary>
    private Exception CallFailed(Exception ex, WorkerEndpoint endpoint, RemoteMethod method, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (ex is not RpcException rpc)
        {
            return WorkerLost(endpoint, method, ex);
        }

        endpoint.MarkLostIfUnreachable(rpc);
        return Translate(rpc, endpoint, method, timeout, cancellationToken);
    }

    private Exception Translate(RpcException ex, WorkerEndpoint endpoint, RemoteMethod method, TimeSpan timeout, CancellationToken cancellationToken)
    {
        switch (ex.StatusCode)
        {
            case StatusCode.Cancelled when _stopping.IsCancellationRequested:
                return Stopped(method, ex);
            case StatusCode.Cancelled when cancellationToken.IsCancellationRequested:
                return new OperationCanceledException($"The call to '{method}' was cancelled by the caller.", ex, cancellationToken);
            case StatusCode.DeadlineExceeded:
                return new HoistTimeoutException(endpoint.Service, endpoint.Replica, timeout, "the worker had not answered; its CancellationToken fired", ex);
            case StatusCode.FailedPrecondition when WorkerProtocol.TryReadContractRefusal(ex.Status.Detail, method.Name, out var worker, out var generation):
                return WireContractMismatchException.Create(endpoint.Service, endpoint.Replica, CallerContract(method), worker, generation, ex);
            case StatusCode.PermissionDenied or StatusCode.ResourceExhausted or StatusCode.InvalidArgument or StatusCode.Unimplemented or StatusCode.DataLoss:
                return new CallRejectedException(endpoint.Service, endpoint.Replica, ex.StatusCode, $"{ex.StatusCode}: {ex.Status.Detail}", ex);
            default:
                return WorkerLost(endpoint, method, ex);
        }
    }

    // The caller's own contract of the method, from the descriptors its build registered; only the fingerprint when
    // the proxy's is not the one registered (a hand-built RemoteMethod).
    private static WireContract CallerContract(RemoteMethod method) =>
        ServiceRegistry.TryGet(method.Service, out var registration) &&
        WireContract.Find(registration.Descriptor.WireContracts, method.Name) is { } registered &&
        registered.Fingerprint == method.WireContract
            ? registered
            : new WireContract(method.Name, method.WireContract, string.Empty);

    /// <summary>A call the app's stopping cancelled: an <see cref="OperationCanceledException"/> on the stopping token, which the caller's code may let through.</summary>
    private OperationCanceledException Stopped(RemoteMethod method, Exception ex) =>
        new($"The call to '{method}' was cancelled: the app is stopping.", ex, _stopping);

    private Exception WorkerLost(WorkerEndpoint endpoint, RemoteMethod method, Exception ex)
    {
        var reason = endpoint.LostReason ?? (ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message);
        LogWorkerLost(_logger, method.Service, endpoint.Replica, reason);
        return new WorkerLostException(
            endpoint.Service,
            endpoint.Replica,
            $"The call to '{method}' failed: worker {endpoint.Replica} of service '{endpoint.Service}' was lost ({reason}).",
            ex);
    }

    private static RemoteException ToRemoteException(RemoteError error) =>
        new(
            error.Service,
            error.Replica.Length == 0 ? null : error.Replica,
            error.HasRank ? error.Rank : null,
            error.Type,
            error.Message,
            error.StackTrace.Length == 0 ? null : error.StackTrace,
            error.Inner is null ? null : ToRemoteException(error.Inner));

    /// <summary>The result type of a void call: nothing to decode.</summary>
    private readonly struct NoResult;

    /// <summary>The result of a JSON call: the worker's JSON, passed through.</summary>
    private readonly record struct JsonText(string Json);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A call to {Service} failed because worker {Replica} was lost: {Reason}")]
    private static partial void LogWorkerLost(ILogger logger, string service, string replica, string reason);
}

using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Hoist.Client;
using Hoist.Dispatch;
using Hoist.Hosting;
using Hoist.Protocol;
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
    private readonly string _callIdPrefix = Guid.NewGuid().ToString("N")[..8];
    private long _callCount;

    internal HoistClient(IHoistBackend backend, ServiceCatalog catalog, ILogger<HoistClient> logger)
    {
        _backend = backend;
        _catalog = catalog;
        _logger = logger;
    }

    /// <summary>The backend that runs this app's services.</summary>
    internal IHoistBackend Backend => _backend;

    /// <summary>The client that proxies built without an explicit invoker use. The host sets it at start-up.</summary>
    public static HoistClient? Default { get; internal set; }

    /// <summary>The service as it will run: its attributes with the configuration's overrides applied.</summary>
    public ServiceDescriptor Describe(string service) => _catalog.Describe(service);

    /// <summary>The service's ready and desired replicas and its autoscaler's recent decisions; null when it is not running.</summary>
    public ServiceStatus? GetStatus(string service) => _backend.GetStatus(service);

    /// <summary>Starts the service's workers now instead of on its first call, and waits until they serve.</summary>
    public async Task StartServiceAsync(string service, CancellationToken cancellationToken = default) =>
        await _backend.GetDeploymentAsync(Describe(service), cancellationToken).ConfigureAwait(false);

    /// <summary>Stops the service's workers after their in-flight calls finish. The next call starts it again.</summary>
    public Task StopServiceAsync(string service, CancellationToken cancellationToken = default) =>
        _backend.StopServiceAsync(service, cancellationToken);

    public async Task<ReadOnlyMemory<byte>> InvokeAsync(RemoteMethod method, ReadOnlyMemory<byte> arguments, RemoteCallOptions options, CancellationToken cancellationToken)
    {
        var timeout = Timeout(method.Service, options);
        var deployment = await _backend.GetDeploymentAsync(Describe(method.Service), cancellationToken).ConfigureAwait(false);
        var endpoint = deployment.PickReplica();
        try
        {
            return await CallAsync(endpoint, method, arguments, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (WorkerLostException) when (endpoint.IsDraining && !cancellationToken.IsCancellationRequested)
        {
            // The replica was taken out of rotation between the pick and the call, and refused it before
            // running it: send it once more, to a replica that is serving.
            deployment = await _backend.GetDeploymentAsync(Describe(method.Service), cancellationToken).ConfigureAwait(false);
            return await CallAsync(deployment.PickReplica(), method, arguments, timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<ReadOnlyMemory<byte>>> InvokeAllAsync(RemoteMethod method, ReadOnlyMemory<byte> arguments, RemoteCallOptions options, CancellationToken cancellationToken)
    {
        var deployment = await _backend.GetDeploymentAsync(Describe(method.Service), cancellationToken).ConfigureAwait(false);
        var timeout = Timeout(method.Service, options);
        var ranks = deployment.Endpoints;

        // Every rank at once; the first failure cancels the others, so no rank is left waiting on a
        // collective that will never complete.
        using var group = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var calls = new Task<ReadOnlyMemory<byte>>[ranks.Count];
        for (var rank = 0; rank < calls.Length; rank++)
        {
            calls[rank] = CallRankAsync(ranks[rank], method, arguments, timeout, group);
        }

        try
        {
            await Task.WhenAll(calls).ConfigureAwait(false);
        }
        catch when (!cancellationToken.IsCancellationRequested)
        {
            throw new DistributedCallException(method.Service, calls
                .Select((call, rank) => (call, rank))
                .Where(c => c.call.IsFaulted && c.call.Exception!.InnerException is not OperationCanceledException)
                .Select(c => new RankFailure(c.rank, c.call.Exception!.InnerException!))
                .ToArray());
        }

        return calls.Select(c => c.Result).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (ReferenceEquals(Default, this))
        {
            Default = null;
        }

        await _backend.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<ReadOnlyMemory<byte>> CallRankAsync(WorkerEndpoint endpoint, RemoteMethod method, ReadOnlyMemory<byte> arguments, TimeSpan? timeout, CancellationTokenSource group)
    {
        try
        {
            return await CallAsync(endpoint, method, arguments, timeout, group.Token).ConfigureAwait(false);
        }
        catch
        {
            await group.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private TimeSpan? Timeout(string service, RemoteCallOptions options) => options.Timeout ?? _catalog.CallTimeout(service);

    private async Task<ReadOnlyMemory<byte>> CallAsync(WorkerEndpoint endpoint, RemoteMethod method, ReadOnlyMemory<byte> arguments, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var request = new InvokeRequest
        {
            Method = method.Name,
            Payload = UnsafeByteOperations.UnsafeWrap(arguments),
            CallId = NextCallId(),
        };
        DateTime? deadline = null;
        if (timeout is { } t)
        {
            deadline = DateTime.UtcNow + t;
            request.DeadlineUnixMs = new DateTimeOffset(deadline.Value).ToUnixTimeMilliseconds();
        }

        // The backend cancels Lost when it sees the worker's process end, so a call never outlives its
        // worker even if the connection lingers.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, endpoint.Lost);
        endpoint.BeginCall();
        try
        {
            using var call = endpoint.Client.InvokeAsync(request, new CallOptions(endpoint.Headers, deadline, linked.Token));
            var response = await call.ResponseAsync.ConfigureAwait(false);
            if (response.OutcomeCase == InvokeResponse.OutcomeOneofCase.Error)
            {
                throw ToRemoteException(response.Error);
            }

            return response.Result.Memory;
        }
        catch (RpcException ex)
        {
            throw Translate(ex, endpoint, method, timeout, cancellationToken);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && endpoint.Lost.IsCancellationRequested)
        {
            throw WorkerLost(endpoint, method, ex);
        }
        finally
        {
            endpoint.EndCall();
        }
    }

    private Exception Translate(RpcException ex, WorkerEndpoint endpoint, RemoteMethod method, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        switch (ex.StatusCode)
        {
            case StatusCode.Cancelled when cancellationToken.IsCancellationRequested:
                return new OperationCanceledException($"The call to '{method}' was cancelled by the caller.", ex, cancellationToken);
            case StatusCode.DeadlineExceeded:
                return new HoistTimeoutException(endpoint.Service, endpoint.Replica, timeout ?? TimeSpan.Zero, ex);
            case StatusCode.PermissionDenied or StatusCode.ResourceExhausted or StatusCode.InvalidArgument or StatusCode.Unimplemented:
                return new CallRejectedException(endpoint.Service, endpoint.Replica, ex.StatusCode, $"{ex.StatusCode}: {ex.Status.Detail}", ex);
            default:
                return WorkerLost(endpoint, method, ex);
        }
    }

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

    private string NextCallId() =>
        string.Create(CultureInfo.InvariantCulture, $"{_callIdPrefix}-{Interlocked.Increment(ref _callCount)}");

    [LoggerMessage(Level = LogLevel.Warning, Message = "A call to {Service} failed because worker {Replica} was lost: {Reason}")]
    private static partial void LogWorkerLost(ILogger logger, string service, string replica, string reason);
}

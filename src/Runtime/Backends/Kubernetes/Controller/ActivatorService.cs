using Grpc.Core;
using Hoist.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// The activator endpoint: a caller that finds a service at zero calls <c>Activate</c> and is held here until the
/// controller has woken the workload and every rank is ready. Every outcome is a status the caller can act on; the
/// wait is bounded by the service's LaunchTimeout (<see cref="IWorkloadActivator"/>) and by the caller's own deadline.
/// </summary>
internal sealed partial class ActivatorService(
    IWorkloadActivator activator,
    IOptions<ScalingControllerOptions> options,
    TimeProvider time,
    ILogger<ActivatorService> logger) : Protocol.Activator.ActivatorBase
{
    public override async Task<Activation> Activate(ActivateRequest request, ServerCallContext context)
    {
        // Before anything else: waking a workload and the launch diagnosis are for the app's own callers only.
        var presented = context.GetHttpContext().Request.Headers[WorkerProtocol.TokenHeader].ToString();
        if (!Worker.CallerToken.Matches(System.Text.Encoding.UTF8.GetBytes(options.Value.CallToken), presented))
        {
            LogUnauthorized(logger, context.Peer);
            throw new RpcException(new Status(
                StatusCode.PermissionDenied,
                $"The Hoist controller of app '{options.Value.AppName}' holds only calls that carry the app's token in '{WorkerProtocol.TokenHeader}'."));
        }

        if (!activator.IsLeader)
        {
            // UNAVAILABLE is "try again": the client asks again, and the Service may route it to the leader this time.
            throw new RpcException(new Status(
                StatusCode.Unavailable,
                $"This Hoist controller of app '{options.Value.AppName}' is not the leader in namespace '{options.Value.Namespace}'; another one holds the calls. Retry."));
        }

        if (string.IsNullOrEmpty(request.Service))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Activate needs the name of the service to wake."));
        }

        // ASP.NET Core's gRPC fires this token when the caller cancels or its deadline passes.
        var cancellationToken = context.CancellationToken;
        try
        {
            var activation = await activator.ActivateAsync(request.Service, cancellationToken).ConfigureAwait(false);
            LogActivated(logger, request.Service, activation.ReadyReplicas, activation.Woken, activation.Waited.TotalMilliseconds);
            return new Activation
            {
                ReadyReplicas = activation.ReadyReplicas,
                Woken = activation.Woken,
                WaitedMs = (long)activation.Waited.TotalMilliseconds,
            };
        }
        catch (WorkloadNotScaledException ex)
        {
            throw new RpcException(new Status(
                StatusCode.NotFound,
                $"{ex.Message} It scales app '{options.Value.AppName}' in namespace '{options.Value.Namespace}': an autoscaled group, or a workload with an InactivityTtl."));
        }
        catch (WorkerLaunchException ex)
        {
            // FAILED_PRECONDITION, not UNAVAILABLE: the service waited its whole LaunchTimeout (or cannot start at all),
            // and a retry would hold the caller as long again for the same image pull or crash; clients and retry
            // policies take UNAVAILABLE as "try again", and the caller must tell it apart from an unreachable controller.
            LogLaunchFailed(logger, request.Service, ex.Message);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
        catch (CallRejectedException ex)
        {
            LogRejected(logger, request.Service, ex.StatusCode, ex.Message);
            throw new RpcException(new Status(ex.StatusCode, ex.Message));
        }
        catch (NotSupportedException ex)
        {
            // A controller that cannot hold calls says so; the caller then waits for readiness itself.
            throw new RpcException(new Status(StatusCode.Unimplemented, ex.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var expired = context.Deadline <= time.GetUtcNow().UtcDateTime;
            LogGaveUp(logger, request.Service, expired ? "its deadline passed" : "it cancelled");
            throw new RpcException(expired
                ? new Status(StatusCode.DeadlineExceeded, $"The caller's deadline passed while service '{request.Service}' was starting.")
                : new Status(StatusCode.Cancelled, $"The caller cancelled while service '{request.Service}' was starting."));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an Activate from {Peer} without the app's call token")]
    private static partial void LogUnauthorized(ILogger logger, string peer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Activate {Service}: ready with {Ready} replica(s), woken {Woken}, held {Milliseconds:0} ms")]
    private static partial void LogActivated(ILogger logger, string service, int ready, bool woken, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activate {Service}: not ready in time: {Reason}")]
    private static partial void LogLaunchFailed(ILogger logger, string service, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activate {Service}: refused ({Status}): {Reason}")]
    private static partial void LogRejected(ILogger logger, string service, StatusCode status, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Activate {Service}: the caller stopped waiting: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string service, string reason);
}

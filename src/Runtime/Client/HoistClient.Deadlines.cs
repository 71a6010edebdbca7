using Hoist.Client;
using Hoist.Settings;

namespace Hoist;

public sealed partial class HoistClient
{
    /// <summary>
    /// The token a call runs under: the caller's, joined to the app's stopping token, so Ctrl+C or a host that stops
    /// cancels every call in flight and fires each worker's token. No allocation unless both can be cancelled.
    /// </summary>
    private CancellationToken CallToken(CancellationToken cancellationToken, out CancellationTokenSource? linked)
    {
        linked = null;
        if (!_stopping.CanBeCanceled)
        {
            return cancellationToken;
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return _stopping;
        }

        linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping);
        return linked.Token;
    }

    /// <summary>
    /// The service's ready workers, waiting (for a launch, the activator or a replacement) no longer than the call's
    /// deadline allows: time spent here is time the call no longer has, as in gRPC.
    /// </summary>
    private ValueTask<ServiceDeployment> DeploymentAsync(string service, CallDeadline deadline, CancellationToken cancellationToken)
    {
        if (deadline.At is not { } at)
        {
            return _backend.GetDeploymentAsync(service, cancellationToken);
        }

        var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(Max(at - DateTime.UtcNow, TimeSpan.Zero));
        var pending = _backend.GetDeploymentAsync(service, timer.Token);
        if (pending.IsCompletedSuccessfully)
        {
            timer.Dispose();
            return pending;
        }

        return new ValueTask<ServiceDeployment>(WaitForDeploymentAsync(service, pending, deadline, timer, cancellationToken));
    }

    private async Task<ServiceDeployment> WaitForDeploymentAsync(
        string service,
        ValueTask<ServiceDeployment> pending,
        CallDeadline deadline,
        CancellationTokenSource timer,
        CancellationToken cancellationToken)
    {
        using (timer)
        {
            try
            {
                return await pending.ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new HoistTimeoutException(service, null, deadline.Timeout, $"no worker ready yet: {WaitingFor(service)}, {SettingDuration.Format(deadline.Elapsed)} of {SettingDuration.Format(deadline.Timeout)}", ex);
            }
        }
    }

    /// <summary>What a call without a ready worker was waiting for, from the service's status.</summary>
    private string WaitingFor(string service) =>
        _backend.GetStatus(service) switch
        {
            null => "the service was being started",
            { StartingReplicas: > 0 } => "launch in progress",
            { DesiredReplicas: 0 } => "the service is scaled to zero and waking",
            _ => "waiting for a replica to be replaced",
        };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// A call's deadline, fixed when the proxy is called: waiting for a worker and the call itself spend from the
    /// same budget. Default (no timeout) when neither the call nor the service's CallTimeout sets one.
    /// </summary>
    private readonly record struct CallDeadline(TimeSpan Timeout, DateTime? At)
    {
        public static CallDeadline Start(TimeSpan? timeout) => timeout is { } t ? new CallDeadline(t, DateTime.UtcNow + t) : default;

        public TimeSpan Elapsed => At is { } at ? Timeout - (at - DateTime.UtcNow) : TimeSpan.Zero;
    }
}

using Hoist.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;

namespace Hoist.Worker;

internal sealed record WarmExpiryOptions(TimeSpan Ttl);

/// <summary>
/// Ends a warm worker once no call has run for its TTL, whether or not an app is attached: no warm worker
/// outlives its TTL, even when the app that started it was killed.
/// </summary>
internal sealed partial class WarmExpiry(
    WarmExpiryOptions options,
    ServiceCode code,
    WorkerEnvironment environment,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<WarmExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A tenth of the TTL, at most a second: the worker exits within that much of its TTL.
        var interval = TimeSpan.FromTicks(Math.Clamp(options.Ttl.Ticks / 10, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond));
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (code.IsIdleFor(options.Ttl))
            {
                LogExpired(logger, environment.ReplicaName ?? environment.ServiceName, environment.ServiceName, options.Ttl.TotalSeconds);
                lifetime.StopApplication();
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Warm worker {Replica} of {Service}: no call for {Seconds:0} s (its InactivityTtl); exiting")]
    private static partial void LogExpired(ILogger logger, string replica, string service, double seconds);
}

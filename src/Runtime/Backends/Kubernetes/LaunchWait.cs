using Hoist.Client;
using Microsoft.Extensions.Logging;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// The deploy's wait for a service to serve: polls its workload's readiness until it is ready, reads why it is not
/// every few polls (failing early on what waiting cannot fix, such as a malformed image name) and at LaunchTimeout
/// fails with that diagnosis; then checks that every port-forward route can find its pods.
/// </summary>
internal static partial class LaunchWait
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private const int PollsBetweenDiagnoses = 5;

    /// <summary>The ready readiness; <paramref name="progress"/> gets each one read before it.</summary>
    public static async Task<Readiness> UntilReadyAsync(
        ClusterClient cluster,
        ServiceDescriptor descriptor,
        ServiceLayout layout,
        int logLinesInErrors,
        Action<Readiness?> progress,
        ILogger logger,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var launchTimeout = TimeSpan.FromSeconds(descriptor.Compute.LaunchTimeout);
        var started = time.GetTimestamp();
        for (var poll = 1; ; poll++)
        {
            var readiness = await cluster.ReadReadinessAsync(layout.WorkloadKind, layout.Namespace, layout.WorkloadName, cancellationToken).ConfigureAwait(false);
            if (readiness is { IsReady: true })
            {
                return readiness;
            }

            progress(readiness);
            var elapsed = time.GetElapsedTime(started);
            var timedOut = elapsed >= launchTimeout;
            if (timedOut || poll % PollsBetweenDiagnoses == 0)
            {
                // Waiting out LaunchTimeout cannot fix a malformed image name, so that fails early.
                var failure = await LaunchFailureReport.ReadAsync(cluster, layout.Namespace, layout.WorkloadName, layout.PodSelector, logLinesInErrors, cancellationToken).ConfigureAwait(false);
                if (timedOut || failure.Diagnosis.IsPermanent)
                {
                    throw failure.ToException(layout.Service, launchTimeout, WorkloadStatus(layout, readiness));
                }

                LogStillWaiting(logger, layout.Service, elapsed.TotalSeconds, failure.Diagnosis.Summary);
            }

            var wait = PollInterval < launchTimeout - elapsed ? PollInterval : launchTimeout - elapsed;
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A port-forward picks its pod per connection, so a target that cannot be found (no Knative activator, no
    /// permission to list pods there) would only show later as a broken connection; say so now instead.
    /// </summary>
    public static async Task EnsureReachableAsync(ClusterClient cluster, WorkerConnector connector, string service, IReadOnlyList<WorkerRoute> routes, CancellationToken cancellationToken)
    {
        foreach (var route in routes.OfType<PortForwardRoute>().Where(r => r.PodSelector is not null))
        {
            try
            {
                await connector.PickTargetAsync(cluster, route, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or k8s.Autorest.HttpOperationException)
            {
                var reason = ex is k8s.Autorest.HttpOperationException http ? $"{(int)http.Response.StatusCode} {http.Response.ReasonPhrase}: {http.Response.Content}" : ex.Message;
                throw new WorkerLaunchException(
                    service,
                    null,
                    $"Service '{service}' is ready, but this process cannot reach it by port-forward: {reason} " +
                    $"It needs list on pods and get and create on pods/portforward in namespace {route.Namespace}" +
                    (route.AtZero is { } zero ? $" (and in {zero.Namespace}, for Knative's activator, while the service is at zero)." : "."),
                    "",
                    exitCode: null);
            }
        }
    }

    private static string WorkloadStatus(ServiceLayout layout, Readiness? readiness) =>
        readiness is null
            ? $"{layout.WorkloadKind} {layout.WorkloadName} does not exist"
            : $"{layout.WorkloadKind.Resource.Kind} {layout.WorkloadName}: {readiness.Detail}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: still not ready after {Seconds:0} s: {Reason}")]
    private static partial void LogStillWaiting(ILogger logger, string service, double seconds, string reason);
}

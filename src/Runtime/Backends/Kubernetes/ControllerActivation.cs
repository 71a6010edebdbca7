using System.Globalization;
using Grpc.Core;
using k8s;
using Hoist.Manifests;
using Hoist.Protocol;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>What a held call found: the ready replicas, whether it took the workload off zero, and how long it waited.</summary>
internal sealed record WorkloadActivation(int ReadyReplicas, bool Woken, TimeSpan Waited);

/// <summary>What the controller's activator said: the service is ready, or why the controller did not hold the call.</summary>
internal sealed record ActivatorAnswer(WorkloadActivation? Ready, string? NotHeld, bool Retry = false)
{
    public static ActivatorAnswer Held(WorkloadActivation activation) => new(activation, null);

    public static ActivatorAnswer Passed(string reason, bool retry = false) => new(null, reason, retry);
}

/// <summary>
/// A client's side of the in-cluster controller's activator: whether a service's deploy asks the controller to wake it,
/// by which route, and what its answer means. A service the controller scales goes through it before the client waits for
/// readiness, so a group at zero is woken at once and a launch that fails comes back with the controller's diagnosis.
/// A controller that cannot hold the call (unreachable, older, not scaling that service) leaves the client waiting for
/// readiness itself, as it did before there was an activator.
/// </summary>
internal static partial class ControllerActivation
{
    /// <summary>
    /// How much longer than the service's LaunchTimeout a client waits for the controller's answer: the controller bounds
    /// its own wait by the LaunchTimeout, then reads the diagnosis; this deadline only catches a controller that hangs.
    /// </summary>
    public static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a client asks again after UNAVAILABLE (a controller that is not the leader, or one restarting), and how
    /// long it waits between: a new connection may reach the leader, or the restarted controller.
    /// </summary>
    public const int UnavailableRetries = 5;

    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where to send <c>Activate</c>, or null when the service does not go through the controller: its workload is not
    /// one the controller scales, or the app has no controller Service in the namespace. From a pod, the controller
    /// Service's DNS name; from outside, a port-forward to a ready controller pod. Pure.
    /// </summary>
    public static WorkerRoute? Route(bool scaledByController, bool controllerServiceExists, bool clusterDns, string ns, string controllerName, string controllerPods, string clusterDomain)
    {
        if (!scaledByController || !controllerServiceExists)
        {
            return null;
        }

        var port = ControllerManifests.Port.ToString(CultureInfo.InvariantCulture);
        return clusterDns
            ? new DnsRoute(0, controllerName, new Uri($"http://{controllerName}.{ns}.svc.{clusterDomain}:{port}"))
            : new PortForwardRoute(0, controllerName, ns, null, controllerPods, ControllerManifests.Port);
    }

    /// <summary>
    /// The whole ask, the same for a deploy and for <c>hoist call</c>: finds the app's controller Service in
    /// <paramref name="ns"/> by its labels (services list, a right clients have where get is not), routes to it and asks
    /// it to wake <paramref name="service"/>. Null when the controller does not scale the service or the app has no
    /// controller there, and the caller waits for readiness itself. <paramref name="appLabel"/> is the app's
    /// <c>app.kubernetes.io/part-of</c> value, which the controller's objects carry.
    /// </summary>
    public static async Task<ActivatorAnswer?> ActivateAsync(
        ClusterClient cluster,
        WorkerConnector connector,
        bool scaledByController,
        string ns,
        string appLabel,
        string service,
        string token,
        bool clusterDns,
        string clusterDomain,
        TimeSpan launchTimeout,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(connector);
        if (!scaledByController)
        {
            return null;
        }

        var controllers = HoistSelectors.Format(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [ManifestLabels.Name] = ControllerManifests.NameLabel,
            [ManifestLabels.PartOf] = appLabel,
        });
        var controller = (await cluster.Api.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: controllers, cancellationToken: cancellationToken).ConfigureAwait(false))
            .Items.FirstOrDefault(s => s.Spec?.Selector is { Count: > 0 });
        var route = Route(
            scaledByController,
            controller is not null,
            clusterDns,
            ns,
            controller?.Metadata.Name ?? "",
            controller?.Spec.Selector is { } selector ? HoistSelectors.Format(selector) : "",
            clusterDomain);
        if (route is null)
        {
            return null;
        }

        for (var attempt = 0; ; attempt++)
        {
            using var channel = connector.CreateChannel(cluster, route);
            var answer = await ActivateAsync(new Protocol.Activator.ActivatorClient(channel), service, token, launchTimeout, time, cancellationToken).ConfigureAwait(false);
            if (!answer.Retry || attempt >= UnavailableRetries)
            {
                return answer;
            }

            await Task.Delay(RetryDelay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Asks the controller to wake <paramref name="service"/> and waits for its answer, at most its LaunchTimeout plus
    /// <see cref="AnswerGrace"/>. A launch failure is a <see cref="WorkerLaunchException"/> with the controller's
    /// diagnosis, a full queue a <see cref="CallRejectedException"/>: either way the caller's call is not sent. The call
    /// carries the app's <paramref name="token"/>, without which the controller holds nothing.
    /// </summary>
    public static async Task<ActivatorAnswer> ActivateAsync(Protocol.Activator.ActivatorClient client, string service, string token, TimeSpan launchTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        var deadline = time.GetUtcNow().UtcDateTime + launchTimeout + AnswerGrace;
        try
        {
            var headers = new Metadata { { WorkerProtocol.TokenHeader, token } };
            var activation = await client.ActivateAsync(new ActivateRequest { Service = service }, headers, deadline, cancellationToken).ConfigureAwait(false);
            return ActivatorAnswer.Held(new WorkloadActivation(activation.ReadyReplicas, activation.Woken, TimeSpan.FromMilliseconds(activation.WaitedMs)));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"The wait for service '{service}' to start was cancelled.", ex, cancellationToken);
        }
        catch (RpcException ex) when (Failure(service, launchTimeout, ex.Status) is { } failure)
        {
            throw failure;
        }
        catch (RpcException ex)
        {
            return ActivatorAnswer.Passed($"{ex.StatusCode}: {ex.Status.Detail}", retry: ex.StatusCode == StatusCode.Unavailable);
        }
    }

    /// <summary>
    /// What a failed <c>Activate</c> means for the caller: the exception its call fails with, or null when the controller
    /// only did not hold the call (unreachable, UNIMPLEMENTED, NOT_FOUND) and the client waits for readiness itself. Pure.
    /// </summary>
    public static HoistException? Failure(string service, TimeSpan launchTimeout, Status status) => status.StatusCode switch
    {
        // The controller waited the LaunchTimeout and says why: that is the error the caller gets.
        StatusCode.FailedPrecondition => new WorkerLaunchException(service, null, status.Detail, "", exitCode: null),
        StatusCode.ResourceExhausted => new CallRejectedException(service, null, status.StatusCode, $"Service '{service}' is at zero and the controller holds too many calls to it already: {status.Detail}"),
        StatusCode.DeadlineExceeded => new WorkerLaunchException(
            service,
            null,
            $"Service '{service}' was not ready within its launch timeout of {launchTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s, and the controller holding the call gave no diagnosis: {status.Detail}",
            "",
            exitCode: null),
        _ => null,
    };

    /// <summary>
    /// The deploy's activation step: for a service the app's in-cluster controller scales, asks the controller's
    /// activator to wake it and hold this deploy until every rank is ready; its launch diagnosis fails the call. Without
    /// a controller, or one that does not hold the call, the readiness wait after this does the work.
    /// </summary>
    public static async Task WakeForDeployAsync(
        ClusterClient cluster,
        WorkerConnector connector,
        ServiceDescriptor descriptor,
        IReadOnlyList<k8s.IKubernetesObject<V1ObjectMeta>> objects,
        ServiceLayout layout,
        ManifestOptions manifestOptions,
        string token,
        bool clusterDns,
        string clusterDomain,
        ILogger logger,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var name = descriptor.Name;

        // Decided from what was rendered first, so a service the controller never scales costs no extra API call.
        var scaled = objects.Any(ControllerManifests.Scales);
        var controller = ControllerManifests.Name(manifestOptions);
        ActivatorAnswer? answer;
        try
        {
            answer = await ActivateAsync(
                cluster,
                connector,
                scaled,
                layout.Namespace,
                KubernetesNames.ToLabelValue(manifestOptions.AppName),
                name,
                token,
                clusterDns,
                clusterDomain,
                TimeSpan.FromSeconds(descriptor.Compute.LaunchTimeout),
                time,
                cancellationToken).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex)
        {
            LogActivatorPassed(logger, name, controller, $"its Service could not be read ({(int)ex.Response.StatusCode} {ex.Response.ReasonPhrase})");
            return;
        }

        if (answer?.Ready is { } ready)
        {
            LogActivated(logger, name, controller, ready.ReadyReplicas, ready.Woken, ready.Waited.TotalMilliseconds);
        }
        else if (answer is not null)
        {
            LogActivatorPassed(logger, name, controller, answer.NotHeld ?? "no answer");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: controller {Controller} held the call until {Ready} replica(s) were ready (woken {Woken}, {Milliseconds:0} ms)")]
    private static partial void LogActivated(ILogger logger, string service, string controller, int ready, bool woken, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: controller {Controller} did not hold the call ({Reason}); waiting for readiness here instead")]
    private static partial void LogActivatorPassed(ILogger logger, string service, string controller, string reason);
}

using System.Globalization;
using Hoist.Backends.Kubernetes;
using Hoist.Cli.Cluster;
using Hoist.Client;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;
using Hoist.Transport;

namespace Hoist.Cli.Calling;

/// <summary>
/// A backend for calling services that are already running on the cluster, as <c>hoist call</c> does: it reads
/// where a service is from its live objects and reaches it by port-forward (or Service DNS from a pod), and it
/// never applies, scales or deletes anything. The Kubernetes backend, by contrast, deploys on first call.
/// </summary>
internal sealed partial class DeployedServiceBackend(ClusterTarget target, DeployedCallOptions options, ILogger logger) : IHoistBackend
{
    private readonly Dictionary<string, Task<ServiceDeployment>> _deployments = new(StringComparer.Ordinal);
    private readonly WorkerConnector _connector = new(logger);
    private readonly List<WorkerEndpoint> _endpoints = [];
    private readonly Lock _gate = new();

    public ValueTask<ServiceDeployment> GetDeploymentAsync(string service, CancellationToken cancellationToken)
    {
        Task<ServiceDeployment> deployment;
        lock (_gate)
        {
            if (!_deployments.TryGetValue(service, out deployment!) || deployment.IsFaulted || deployment.IsCanceled)
            {
                deployment = FindAsync(service, cancellationToken);
                _deployments[service] = deployment;
            }
        }

        return new ValueTask<ServiceDeployment>(deployment);
    }

    public Task StopServiceAsync(string service, CancellationToken cancellationToken) =>
        throw new NotSupportedException("hoist call never stops a service: hoist teardown does.");

    public ServiceStatus? GetStatus(string service) => null;

    /// <summary>
    /// What <c>hoist call</c> knows of a deployed service without the app: its name, the method it is asked to
    /// call, and whether it is a rank group (whose answer is one result per rank). The worker checks the rest.
    /// </summary>
    public static ServiceDescriptor Describe(DeployedService deployed, string method) => new()
    {
        Name = deployed.Layout.Service,
        Kind = ServiceKind.Method,
        DeclaringType = "(deployed)",
        AssemblyName = deployed.AppName,
        Methods = [method],
        Distribution = deployed.DistributionType is { } type ? new DistributionSpec { Type = type, Workers = deployed.Layout.Ranks } : null,
    };

    /// <summary>Reads the service's workload and Services from the cluster; an error that says so when it is not there or not ready.</summary>
    public static async Task<DeployedService> LocateAsync(ClusterTarget target, string service, CancellationToken cancellationToken)
    {
        var cluster = target.Cluster;
        var ns = await ServiceNamespaces.FindAsync(target, service, cancellationToken).ConfigureAwait(false);
        var selector = ServiceInventory.Selector(service);
        foreach (var kind in WorkloadKinds.All)
        {
            var found = await cluster.ListWorkloadsAsync(kind, ns, selector, cancellationToken).ConfigureAwait(false);
            if (found.Count == 0)
            {
                continue;
            }

            var live = found[0];
            var workload = k8s.KubernetesJson.Deserialize<V1ObjectMeta>(live.GetProperty("metadata").GetRawText());
            var labels = workload.Labels ?? new Dictionary<string, string>();
            var instance = labels.TryGetValue(ManifestLabels.Instance, out var i) ? i : workload.Name;
            // A kind addressed by its own name (Knative, which makes Services of its own for each revision, and they
            // may carry the labels too) is reached by it, as the backend does.
            var services = kind.AddressedByOwnName
                ? []
                : (await cluster.Api.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items;

            var layout = new ServiceLayout
            {
                Service = service,
                Namespace = ns,
                Instance = instance,
                WorkloadKind = kind,
                WorkloadName = workload.Name,
                PodLabels = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ManifestLabels.Name] = service, [ManifestLabels.Instance] = instance },
                ServiceName = services.FirstOrDefault(s => s.Spec?.ClusterIP != "None")?.Metadata.Name ?? workload.Name,
                HeadlessServiceName = services.FirstOrDefault(s => s.Spec?.ClusterIP == "None")?.Metadata.Name,
                Ranks = kind.Ranks(live),
            };
            var appName = labels.TryGetValue(ManifestLabels.PartOf, out var partOf) ? partOf : service;
            var annotations = workload.Annotations ?? new Dictionary<string, string>();
            var distribution = annotations.TryGetValue(ManifestAnnotations.Distribution, out var type) ? type : null;
            return new DeployedService(layout, appName, distribution) { Workload = workload, Scaled = kind.Scaled(live) is not null };
        }

        throw Commands.StatusCommand.NotDeployed(service, ns);
    }

    private async Task<ServiceDeployment> FindAsync(string service, CancellationToken cancellationToken)
    {
        var deployed = await LocateAsync(target, service, cancellationToken).ConfigureAwait(false);
        var layout = deployed.Layout;
        var cluster = target.Cluster;
        var token = await ReadTokenAsync(target, deployed, options, cancellationToken).ConfigureAwait(false);
        var launchTimeout = TimeSpan.FromSeconds(Manifests.ScaledWorkload.LaunchTimeoutSeconds(deployed.Workload));

        // This call is activity: the renewed Lease keeps the service from its InactivityTtl, and wakes one at zero.
        await RenewActivityAsync(layout, cancellationToken).ConfigureAwait(false);
        var readiness = await cluster.ReadReadinessAsync(layout.WorkloadKind, layout.Namespace, layout.WorkloadName, cancellationToken).ConfigureAwait(false);
        string? notHeld = null;
        if (readiness is { IsReady: false })
        {
            // A service its app's controller took to zero: the controller wakes it and answers once every rank is ready.
            var answer = await ActivateThroughControllerAsync(deployed, token, launchTimeout, cancellationToken).ConfigureAwait(false);
            notHeld = answer?.NotHeld;
            if (answer?.Ready is not null)
            {
                // Found again: a group found at zero had no ranks to route to.
                deployed = await LocateAsync(target, service, cancellationToken).ConfigureAwait(false);
                layout = deployed.Layout;
                readiness = await cluster.ReadReadinessAsync(layout.WorkloadKind, layout.Namespace, layout.WorkloadName, cancellationToken).ConfigureAwait(false);
            }

            if (readiness is { IsReady: false })
            {
                // No controller, or one that did not hold the call (restarted and lost it, not the leader yet, older):
                // wait for readiness here, as a deploy does, within the service's LaunchTimeout.
                readiness = await WaitUntilReadyAsync(layout, launchTimeout, cancellationToken).ConfigureAwait(false);
                if (answer?.Ready is null && readiness is { IsReady: true })
                {
                    deployed = await LocateAsync(target, service, cancellationToken).ConfigureAwait(false);
                    layout = deployed.Layout;
                }
            }
        }

        if (readiness is not { IsReady: true })
        {
            throw new CliException(
                $"service '{service}' is not ready: {readiness?.Detail ?? "its workload is gone"}{(notHeld is null ? "" : $" (its controller did not wake it: {notHeld})")}",
                $"hoist status {service} shows its pods; hoist deploy waits until it is ready");
        }

        var routes = WorkerRoutes.Plan(layout, readiness, WorkerRoutes.UseClusterDns(options.Backend.ConnectMode, KubernetesConnection.InCluster), options.Backend);
        var endpoints = routes.Select(route => CreateEndpoint(service, route, token)).ToArray();
        return new KubernetesDeployment(Describe(deployed, "(any)"), endpoints);
    }

    /// <summary>
    /// Asks the app's in-cluster controller to wake <paramref name="deployed"/> (<see cref="ControllerActivation"/>); null
    /// when the controller does not scale it or the app has no controller Service in its namespace. Scales nothing itself.
    /// </summary>
    private async Task<ActivatorAnswer?> ActivateThroughControllerAsync(DeployedService deployed, string token, TimeSpan launchTimeout, CancellationToken cancellationToken)
    {
        var layout = deployed.Layout;

        // The service's own LaunchTimeout, from its workload's hoist.dev/launch-timeout, as the controller reads it.
        return await ControllerActivation.ActivateAsync(
            target.Cluster,
            _connector,
            deployed.Scaled,
            layout.Namespace,
            deployed.AppName,
            layout.Service,
            token,
            WorkerRoutes.UseClusterDns(options.Backend.ConnectMode, KubernetesConnection.InCluster),
            options.Backend.ClusterDomain,
            launchTimeout,
            TimeProvider.System,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls the workload until it is ready or <paramref name="launchTimeout"/> has passed; the last readiness read.</summary>
    private async Task<Readiness?> WaitUntilReadyAsync(ServiceLayout layout, TimeSpan launchTimeout, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        for (var poll = 0; ; poll++)
        {
            var readiness = await target.Cluster.ReadReadinessAsync(layout.WorkloadKind, layout.Namespace, layout.WorkloadName, cancellationToken).ConfigureAwait(false);
            if (readiness is not { IsReady: false } || TimeProvider.System.GetElapsedTime(started) >= launchTimeout)
            {
                return readiness;
            }

            if (poll == 0)
            {
                LogWaiting(logger, layout.Service, launchTimeout.TotalSeconds, readiness.Detail);
            }

            await Task.Delay(ReadinessPoll, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan ReadinessPoll = TimeSpan.FromSeconds(1);

    /// <summary>Renews the service's activity Lease; an identity that may not write Leases is told once, and the call goes on.</summary>
    private async Task RenewActivityAsync(ServiceLayout layout, CancellationToken cancellationToken)
    {
        try
        {
            await ServiceRollout.StampActivityAsync(target.Cluster, layout, TimeProvider.System.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex)
        {
            LogLeaseNotRenewed(logger, layout.Service, (int)ex.Response.StatusCode);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: waiting up to its launch timeout of {Seconds:0} s until it is ready: {Detail}")]
    private static partial void LogWaiting(ILogger logger, string service, double seconds, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: could not renew its activity Lease ({Status}); its InactivityTtl does not see this call")]
    private static partial void LogLeaseNotRenewed(ILogger logger, string service, int status);

    /// <summary>The token a deployed service's workers accept: the configured one, or its app's token Secret.</summary>
    public static async Task<string> ReadTokenAsync(ClusterTarget target, DeployedService deployed, DeployedCallOptions options, CancellationToken cancellationToken)
    {
        var secretName = options.Backend.TokenSecretName is { Length: > 0 } name ? name : new ManifestOptions { AppName = deployed.AppName, Image = "unused" }.ResolvedTokenSecretName;
        return options.Token(deployed.AppName) is { } configured ? configured
            : await target.Cluster.ReadSecretValueAsync(deployed.Layout.Namespace, secretName, ManifestOptions.TokenSecretKey, cancellationToken).ConfigureAwait(false)
            ?? throw new CliException(
                $"the call token Secret {secretName} of service '{deployed.Layout.Service}' is missing in namespace {deployed.Layout.Namespace}",
                "deploy the app again with hoist deploy, which creates it");
    }

    private WorkerEndpoint CreateEndpoint(string service, WorkerRoute route, string token)
    {
        var endpoint = _connector.CreateEndpoint(target.Cluster, service, route, token);
        lock (_gate)
        {
            _endpoints.Add(endpoint);
        }

        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        WorkerEndpoint[] endpoints;
        lock (_gate)
        {
            endpoints = [.. _endpoints];
            _endpoints.Clear();
        }

        foreach (var endpoint in endpoints)
        {
            endpoint.Dispose();
        }
    }
}

/// <summary>A service found on the cluster: where it is, the app it belongs to, and its distribution type when it is a rank group.</summary>
internal sealed record DeployedService(ServiceLayout Layout, string AppName, string? DistributionType)
{
    /// <summary>The workload's metadata as found: its labels and scaling annotations.</summary>
    public V1ObjectMeta? Workload { get; init; }

    /// <summary>Whether the app's in-cluster controller scales the workload (<see cref="WorkloadKind.Scaled(System.Text.Json.JsonElement)"/>).</summary>
    public bool Scaled { get; init; }
}

/// <summary>The settings a call to a deployed service needs: the backend's, and the configured token if any.</summary>
internal sealed record DeployedCallOptions(KubernetesBackendOptions Backend, string? ConfiguredToken)
{
    public string? Token(string appName) => ConfiguredToken is { Length: > 0 } token ? token : null;
}

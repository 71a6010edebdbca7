using System.Globalization;
using System.Net;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;

using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// The host of the in-cluster controller's pod (<c>HOIST_ROLE=controller</c>): the app's own image, started like a
/// worker, runs <see cref="ScalingController"/> with the pod's service account instead of the app, and serves the
/// activator endpoint (<see cref="ActivatorService"/>) and <c>grpc.health.v1</c> over HTTP/2 cleartext on <see cref="ControllerManifests.Port"/>.
/// </summary>
internal static class ControllerHost
{
    /// <summary>Overrides <see cref="ControllerManifests.Port"/>, to run a controller from a shell beside another process on 8012.</summary>
    public const string PortVariable = "HOIST_CONTROLLER_PORT";

    public static async Task RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var port = Environment.GetEnvironmentVariable(PortVariable) is { Length: > 0 } value
            ? int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and <= IPEndPoint.MaxPort
                ? parsed
                : throw new InvalidOperationException($"{PortVariable} is '{value}': it must be a TCP port from 1 to {IPEndPoint.MaxPort}.")
            : ControllerManifests.Port;
        // Every address, as a worker in a pod binds: the Service and kubelet's probe reach the pod's address, IPv4 or IPv6.
        var builder = CreateBuilder(args, IPAddress.IPv6Any, port);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.AddHoistController(
            Environment.GetEnvironmentVariable(ControllerManifests.NamespaceVariable) is { Length: > 0 } ns ? ns : Manifests.ManifestOptions.DefaultNamespace,
            Environment.GetEnvironmentVariable(ControllerManifests.AppNameVariable) ?? throw new InvalidOperationException($"{ControllerManifests.AppNameVariable} is not set: the controller does not know whose services to scale."));
        await using var app = builder.Build();
        await ServeAsync(app, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A Kestrel gRPC host on <paramref name="address"/>:<paramref name="port"/> (HTTP/2 cleartext, as kubelet's gRPC
    /// probe and a Service with appProtocol h2c expect), with gRPC and health registered; the controller's own
    /// services (<see cref="AddHoistController"/>, or a test's activator) are the caller's to add.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Any))
            {
                // Dual-stack, falling back to IPv4 on a node without IPv6: single-stack IPv6 clusters probe it too.
                kestrel.ListenAnyIP(port, listen => listen.Protocols = HttpProtocols.Http2);
            }
            else
            {
                kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<HealthServiceImpl>();
        return builder;
    }

    /// <summary>
    /// Maps the activator and health, starts, reports SERVING until shutdown begins (so the Service stops routing new
    /// calls to a controller being replaced), and runs until <paramref name="cancellationToken"/> or SIGTERM.
    /// </summary>
    public static async Task ServeAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await StartAsync(app, cancellationToken).ConfigureAwait(false);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Maps the activator and health and starts serving; <see cref="ServeAsync"/> without the wait.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<ActivatorService>();
        app.MapGrpcService<HealthServiceImpl>();
        var health = app.Services.GetRequiredService<HealthServiceImpl>();
        app.Lifetime.ApplicationStopping.Register(() => health.SetStatus("", HealthCheckResponse.Types.ServingStatus.NotServing));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        if (app.Services.GetService<ScalingController>() is { } controller)
        {
            _ = ReportLivenessAsync(health, controller, app.Services.GetRequiredService<TimeProvider>(), app.Lifetime.ApplicationStopping);
        }
    }

    /// <summary>Keeps the liveness probe's health status (<see cref="ControllerLiveness"/>) in step with the loop's heartbeat.</summary>
    private static async Task ReportLivenessAsync(HealthServiceImpl health, ScalingController controller, TimeProvider time, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(ControllerLiveness.CheckInterval, time);
        try
        {
            do
            {
                health.SetStatus(
                    ControllerManifests.LivenessServiceName,
                    ControllerLiveness.IsAlive(controller.LastTickEnded, time.GetUtcNow()) ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing);
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The controller's services: the cluster from the pod's service account (or a kubeconfig, to run it from a shell),
    /// the actuator, the workers' load probe, and the loop, which is also the activator the endpoint holds calls with.
    /// </summary>
    public static IServiceCollection AddHoistController(this IServiceCollection services, string ns, string appName)
    {
        services.AddOptions<ScalingControllerOptions>().Configure(o =>
        {
            (o.Namespace, o.AppName) = (ns, appName);
            o.CallToken = Environment.GetEnvironmentVariable(Hoist.Configuration.WorkerEnvironment.Token) ?? string.Empty;
        });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IKubernetes>(_ => new k8s.Kubernetes(KubernetesConnection.Configure(new Hoist.Configuration.KubernetesBackendOptions())));
        services.AddSingleton<IWorkloadActuator, KubernetesScaleActuator>();

        services.AddSingleton<WorkerLoadProbe>();

        // One loop: the one that scales is the one that holds calls, so a wake and the next tick never disagree.
        services.AddSingleton<ScalingController>();
        services.AddHostedService(sp => sp.GetRequiredService<ScalingController>());
        services.AddSingleton<IWorkloadActivator>(sp => sp.GetRequiredService<ScalingController>());
        return services;
    }
}

using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// The host of the in-cluster controller's pod (<c>HOIST_ROLE=controller</c>): the app's own image, started like a
/// worker, runs <see cref="ScalingController"/> with the pod's service account instead of the app.
/// </summary>
internal static class ControllerHost
{
    /// <summary>The namespace it works in; the manifests set it to the pod's own.</summary>
    public const string NamespaceVariable = "HOIST_CONTROLLER_NAMESPACE";

    /// <summary>The app whose services it scales.</summary>
    public const string AppNameVariable = "HOIST_CONTROLLER_APP";

    public static async Task RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.AddHoistController(
            Environment.GetEnvironmentVariable(NamespaceVariable) is { Length: > 0 } ns ? ns : Manifests.ManifestOptions.DefaultNamespace,
            Environment.GetEnvironmentVariable(AppNameVariable) ?? throw new InvalidOperationException($"{AppNameVariable} is not set: the controller does not know whose services to scale."));
        using var host = builder.Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The controller's services: the cluster from the pod's service account (or a kubeconfig, to run it from a shell), the actuator, the workers' load probe and the loop.</summary>
    public static IServiceCollection AddHoistController(this IServiceCollection services, string ns, string appName)
    {
        services.AddOptions<ScalingControllerOptions>().Configure(o => (o.Namespace, o.AppName) = (ns, appName));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IKubernetes>(_ => new k8s.Kubernetes(KubernetesConnection.Configure(new Hosting.KubernetesBackendOptions())));
        services.AddSingleton<IWorkloadActuator, KubernetesScaleActuator>();
        services.AddSingleton<WorkerLoadProbe>();
        services.AddHostedService<ScalingController>();
        return services;
    }
}

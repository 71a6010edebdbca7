using System.Globalization;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// Turns a service descriptor (with configuration overrides already applied) into the Kubernetes objects that
/// run it. Pure: the same descriptor and options always give equal objects, in the same order, so build-time
/// manifests and deploy-time objects are the same thing.
/// </summary>
/// <remarks>
/// Each kind of workload (<see cref="WorkloadKinds"/>) renders its own with the pieces here. plain: ClusterIP Service + Deployment. [Autoscale]: Knative Service. [Distribute]: headless Service +
/// ClusterIP Service + StatefulSet, or a RayCluster (+ a ClusterIP Service on its head) for "ray". The call
/// token Secret is never part of these objects, so a manifest on disk never holds a token and applying it
/// never resets one; <see cref="RenderTokenSecret"/> makes it at deploy time.
/// </remarks>
public static partial class ManifestRenderer
{
    /// <summary>The startup probe's period; its failureThreshold is LaunchTimeout divided by this, rounded up.</summary>
    public const int StartupProbePeriodSeconds = 5;

    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Render(ServiceDescriptor descriptor, ManifestOptions options)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(options);
        var target = new RenderTarget(descriptor, options);
        Validate(target);

        // The claims first: a pod that mounts one waits for it, so it had better exist by then.
        return [.. WorkerPod.Claims(target), .. WorkloadKinds.For(descriptor).Render(target)];
    }

    /// <summary>
    /// The Secret the workers read HOIST_TOKEN from, for <c>hoist deploy</c> and the Kubernetes backend to apply
    /// with the deployment's real token. Never written to disk by the build.
    /// </summary>
    public static V1Secret RenderTokenSecret(ManifestOptions options, string token, string? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta
            {
                Name = options.ResolvedTokenSecretName,
                NamespaceProperty = @namespace is { Length: > 0 } ns ? ns : options.Namespace,
                Labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    [ManifestLabels.Component] = "call-token",
                    [ManifestLabels.PartOf] = KubernetesNames.ToLabelValue(options.AppName),
                    [ManifestLabels.ManagedBy] = ManifestLabels.ManagedByHoist,
                },
            },
            Type = "Opaque",
            StringData = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ManifestOptions.TokenSecretKey] = token },
        };
    }

    // plain: one replica behind a ClusterIP Service.
    internal static IKubernetesObject<V1ObjectMeta>[] RenderDeployment(RenderTarget target)
    {
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = target.Metadata(target.Name, target.HoistAnnotations()),
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,

                // A rolling update surges a second GPU pod, which never schedules on a full GPU pool and holds the
                // rollout forever: a GPU service replaces its pod instead.
                Strategy = target.Descriptor.Compute.Gpus > 0 ? new V1DeploymentStrategy { Type = "Recreate" } : null,
                Selector = new V1LabelSelector { MatchLabels = target.Selector() },
                Template = PodTemplate(target, WorkerContainer.Create(target, WorkerContainer.GrpcPortName, podFieldRefs: true, [])),
            },
        };
        return [ClusterIpService(target, target.Selector()), deployment];
    }

    private static V1PodTemplateSpec PodTemplate(RenderTarget target, params V1Container[] containers) => new()
    {
        Metadata = WorkerPod.TemplateMetadata(target),
        Spec = WorkerPod.Spec(target, containers),
    };

    /// <summary>The service's stable in-cluster address, <c>&lt;service&gt;.&lt;namespace&gt;</c>, on the gRPC port.</summary>
    private static V1Service ClusterIpService(RenderTarget target, IDictionary<string, string> selector) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = target.Metadata(target.Name),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = selector,
            Ports = [GrpcServicePort(target)],
        },
    };

    private static V1ServicePort GrpcServicePort(RenderTarget target) => new()
    {
        Name = WorkerContainer.GrpcPortName,
        Port = target.Options.GrpcPort,
        TargetPort = target.Options.GrpcPort,
        Protocol = "TCP",
        AppProtocol = "kubernetes.io/h2c",
    };

    // Knative's queue-proxy, metrics and profiling ports; a user container may not listen on them.
    private static readonly HashSet<int> s_knativeReservedPorts = [8012, 8013, 8022, 8112, 9090, 9091, 8008];

    // The descriptor meets the settings rules (the generator's own, which overrides reach the renderer without), and
    // the options the few checks of their own that would otherwise produce a manifest Kubernetes rejects.
    private static void Validate(RenderTarget target)
    {
        var (descriptor, options) = (target.Descriptor, target.Options);
        var problems = ServiceSettings.Validate(descriptor);
        if (problems.Count > 0)
        {
            throw new ServiceSettingsException(descriptor.Name, problems);
        }

        if (!KubernetesNames.IsDnsLabel(target.Namespace))
        {
            throw new ArgumentException($"Namespace '{target.Namespace}' of service '{descriptor.Name}' is not a DNS-1123 label.", nameof(descriptor));
        }

        if (string.IsNullOrWhiteSpace(options.Image))
        {
            throw new ArgumentException("ManifestOptions.Image is required: the app's container image, e.g. \"registry.example/app:1.0\".", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.AppName))
        {
            throw new ArgumentException("ManifestOptions.AppName is required: the app's name, e.g. \"MyApp\".", nameof(options));
        }

        foreach (var (port, setting) in new[] { (options.GrpcPort, nameof(options.GrpcPort)), (options.RendezvousPort, nameof(options.RendezvousPort)) })
        {
            if (port is <= 0 or > 65535)
            {
                throw new ArgumentException($"ManifestOptions.{setting} {port} is not a TCP port: use 1 to 65535.", nameof(options));
            }
        }

        if (options.GrpcPort == options.RendezvousPort)
        {
            throw new ArgumentException($"ManifestOptions.GrpcPort and RendezvousPort are both {options.GrpcPort}: they must differ.", nameof(options));
        }

        if (descriptor.Autoscale is not null && descriptor.Distribution is null && s_knativeReservedPorts.Contains(options.GrpcPort))
        {
            throw new ArgumentException($"ManifestOptions.GrpcPort {options.GrpcPort} is reserved by Knative's queue-proxy: pick another port.", nameof(options));
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

using k8s;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Manifests;

/// <summary>One rule of the controller's Role: a resource of an API group, and the verbs the controller uses on it.</summary>
public sealed record ControllerRight(string ApiGroup, string Resource, IReadOnlyList<string> Verbs);

/// <summary>
/// The in-cluster controller an app needs when one of its services is scaled by nothing else: a distributed group
/// with <c>[Autoscale]</c> (Knative cannot scale a StatefulSet) or a Deployment or StatefulSet with an InactivityTtl
/// (which otherwise holds only while a Hoist client runs). One Deployment per namespace of such services, running the
/// app's own image with <c>HOIST_ROLE=controller</c>, with a ServiceAccount and a Role that grants only
/// <see cref="Rights"/>, bound to it, and a ClusterIP Service of the same name in front of its activator endpoint
/// (<see cref="Port"/>), which callers reach to wake a service at zero.
/// </summary>
public static class ControllerManifests
{
    /// <summary>The file <c>hoist manifests</c> writes them to, beside the services' files.</summary>
    public const string FileName = "hoist-controller" + ManifestFiles.Extension;

    public const string Component = "controller";
    public const string ContainerName = "controller";

    /// <summary>The <c>app.kubernetes.io/name</c> of every controller's objects; <c>part-of</c> says whose app it is.</summary>
    public const string NameLabel = "hoist-controller";

    /// <summary>The name of the activator's container and Service port.</summary>
    public const string PortName = "grpc";

    /// <summary>The activator's port, the container and Service port <see cref="PortName"/>.</summary>
    public const int Port = 8012;

    /// <summary>The variable that tells the controller its namespace; set to the pod's own.</summary>
    public const string NamespaceVariable = "HOIST_CONTROLLER_NAMESPACE";

    /// <summary>The variable that names the app whose services it scales.</summary>
    public const string AppNameVariable = "HOIST_CONTROLLER_APP";

    /// <summary>The <c>grpc.health.v1</c> service name the liveness probe asks for; readiness asks for "".</summary>
    public const string LivenessServiceName = "liveness";

    /// <summary>
    /// Everything the controller's code calls, and so everything its Role grants: it lists the app's workloads,
    /// their activity Leases and their pods (to ask each worker for its calls in flight), sets replicas through the scale subresource, never the workload itself, and records each
    /// change as an Event. To tell a held call why its service did not start (<c>WorkloadDiagnosis</c>) it reads
    /// the pods, the events and a crashing container's last lines, as a client's own deploy does. Its own leader Lease
    /// (<c>LeaderElection</c>) it reads, creates and renews.
    /// </summary>
    public static IReadOnlyList<ControllerRight> Rights { get; } =
    [
        new("apps", "statefulsets", ["list"]),
        new("apps", "deployments", ["list"]),
        new("apps", "statefulsets/scale", ["patch"]),
        new("apps", "deployments/scale", ["patch"]),
        new("coordination.k8s.io", "leases", ["list", "get", "create", "update"]),
        new("", "events", ["create", "list"]),
        new("", "pods", ["list"]),
        new("", "pods/log", ["get"]),
    ];

    /// <summary>The controller's objects' name: "&lt;app&gt;-hoist-controller".</summary>
    public static string Name(ManifestOptions options) =>
        KubernetesNames.Fit(KubernetesNames.ToDnsLabel(options.AppName) + "-hoist-controller", KubernetesNames.MaxLabelLength);

    /// <summary>
    /// The namespaces whose services need the controller: those of the rendered workloads its own reader
    /// (<see cref="ScaledWorkload"/>) would scale, so the manifests ask for a controller exactly where it has work.
    /// </summary>
    public static IReadOnlyList<string> NamespacesNeeding(IEnumerable<IKubernetesObject<V1ObjectMeta>> rendered) =>
        rendered
            .Where(Scales)
            .Select(o => o.Metadata.NamespaceProperty)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Whether the controller scales <paramref name="rendered"/>: a workload its own reader (<see cref="ScaledWorkload"/>) takes.</summary>
    public static bool Scales(IKubernetesObject<V1ObjectMeta> rendered) =>
        WorkloadKinds.Of(rendered) is { ControllerScales: true } kind && kind.Scaled(rendered) is not null;

    /// <summary>The controller's pods, by the labels its Deployment and Service select on.</summary>
    public static string PodSelector(ManifestOptions options) => HoistSelectors.Format(Selector(options));

    /// <summary>
    /// The file <c>hoist manifests</c> writes beside the services' (null when no service needs the controller), from the
    /// same objects <c>hoist deploy</c> applies.
    /// </summary>
    public static ManifestFile? File(IReadOnlyList<ServiceDescriptor> services, ManifestOptions options) =>
        For(services, options) is { Count: > 0 } objects ? new ManifestFile(FileName, ManifestYaml.Serialize(objects)) : null;

    /// <summary>
    /// The controller's objects for <paramref name="services"/> rendered with <paramref name="options"/> (empty when none
    /// needs it). The controller runs the image of a service on a .NET base when there is one (the app image), else the
    /// first service's, which carries the app self-contained.
    /// </summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> For(IReadOnlyList<ServiceDescriptor> services, ManifestOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        var namespaces = NamespacesNeeding(services.SelectMany(s => ManifestRenderer.Render(s, options)));
        if (namespaces.Count == 0)
        {
            return [];
        }

        var rendered = services.SelectMany(s => ManifestRenderer.Render(s, options)).Where(Scales).ToArray();
        return
        [
            .. Render(options, Host(services).Compute.Image, namespaces),
            .. namespaces.Select(ns => AdmitController(options, ns, rendered.Where(o => o.Metadata.NamespaceProperty == ns).Select(o => o.Metadata.Labels[ManifestLabels.Name]))),
        ];
    }

    /// <summary>
    /// A NetworkPolicy for the pods of the services the controller scales in <paramref name="ns"/>: ingress from the app's
    /// own pods, the controller among them, which asks each worker for its calls in flight (GetLoad) and would otherwise
    /// find every pod silent under a default-deny policy, so that nothing ever scales to zero; the ranks of a group reach
    /// each other (rendezvous, collectives) the same way. It selects only those pods, so Knative-served pods, whose calls
    /// come through Knative's activator, are left alone. Port-forwards and kubelet's probes do not pass through it.
    /// </summary>
    private static V1NetworkPolicy AdmitController(ManifestOptions options, string ns, IEnumerable<string> services) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = Metadata(options, ns),
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector
            {
                MatchLabels = new Dictionary<string, string> { [ManifestLabels.PartOf] = KubernetesNames.ToLabelValue(options.AppName), [ManifestLabels.Component] = ManifestLabels.WorkerComponent },
                MatchExpressions = [new V1LabelSelectorRequirement { Key = ManifestLabels.Name, OperatorProperty = "In", Values = [.. services.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)] }],
            },
            PolicyTypes = ["Ingress"],
            Ingress =
            [
                new V1NetworkPolicyIngressRule
                {
                    FromProperty = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [ManifestLabels.PartOf] = KubernetesNames.ToLabelValue(options.AppName) } } }],
                },
            ],
        },
    };

    /// <summary>The service whose image the controller runs: the first on a .NET base (the app image), else the first.</summary>
    public static ServiceDescriptor Host(IReadOnlyList<ServiceDescriptor> services) =>
        services.FirstOrDefault(s => BaseImages.CarriesDotnet(s.Compute.Image)) ?? services[0];

    /// <summary>The controller's objects for each namespace, in the order they apply: account, rights, binding, the pod, then its Service.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Render(ManifestOptions options, string baseImage, IEnumerable<string> namespaces)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(namespaces);
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var ns in namespaces)
        {
            objects.Add(new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = Metadata(options, ns) });
            objects.Add(new V1Role
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "Role",
                Metadata = Metadata(options, ns),
                Rules = Rights.Select(r => new V1PolicyRule { ApiGroups = [r.ApiGroup], Resources = [r.Resource], Verbs = [.. r.Verbs] }).ToList(),
            });
            objects.Add(new V1RoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "RoleBinding",
                Metadata = Metadata(options, ns),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = Name(options) },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = Name(options), NamespaceProperty = ns }],
            });
            objects.Add(Deployment(options, baseImage, ns));
            objects.Add(Service(options, ns));
        }

        return objects;
    }

    // One replica, replaced rather than rolled: two controllers at once would both act on the same workloads.
    private static V1Deployment Deployment(ManifestOptions options, string baseImage, string ns)
    {
        var selector = Selector(options);
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Metadata(options, ns),
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Strategy = new V1DeploymentStrategy { Type = "Recreate" },
                Selector = new V1LabelSelector { MatchLabels = selector },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels(options) },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = Name(options),
                        Containers =
                        [
                            new V1Container
                            {
                                Name = ContainerName,

                                // The app's own image and entry point: the same Hoist runtime, and so the same scaling
                                // rules, as the app that rendered these manifests; no second image to build or pull.
                                Image = ServiceImages.For(options.Image, baseImage),
                                ImagePullPolicy = options.ImagePullPolicy,
                                Command = WorkerContainer.Command(baseImage, options),
                                Ports = [new V1ContainerPort { Name = PortName, ContainerPort = Port, Protocol = "TCP" }],

                                // Ready once the activator serves, so the Service sends held calls only to a controller
                                // that can answer them; the host reports NOT_SERVING as it shuts down.
                                ReadinessProbe = new V1Probe
                                {
                                    Grpc = new V1GRPCAction { Port = Port },
                                    PeriodSeconds = 5,
                                    TimeoutSeconds = 3,
                                    FailureThreshold = 3,
                                },

                                // Restarted when its loop stops finishing ticks (ControllerLiveness); a failing tick is
                                // retried with backoff and keeps it alive, so a flaky API server never restarts it.
                                LivenessProbe = new V1Probe
                                {
                                    Grpc = new V1GRPCAction { Port = Port, Service = LivenessServiceName },
                                    PeriodSeconds = 10,
                                    TimeoutSeconds = 3,
                                    FailureThreshold = 3,
                                },
                                Env =
                                [
                                    WorkerContainer.Value(WorkerEnvironment.Role, WorkerEnvironment.ControllerRole),
                                    WorkerContainer.FieldRef(NamespaceVariable, "metadata.namespace"),
                                    WorkerContainer.Value(AppNameVariable, options.AppName),

                                    // The workers' token, from the same Secret: Activate holds only the app's own callers.
                                    WorkerContainer.Token(options),
                                ],
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("50m"), ["memory"] = new("64Mi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("256Mi") },
                                },
                                SecurityContext = WorkerContainer.SecurityContext(baseImage),
                            },
                        ],
                    },
                },
            },
        };
    }

    /// <summary>
    /// Where callers reach the activator: <c>&lt;name&gt;.&lt;namespace&gt;.svc:8012</c> from a pod, a port-forward to the
    /// pod it selects from outside. appProtocol h2c: gRPC without TLS, as the workers' Services say.
    /// </summary>
    private static V1Service Service(ManifestOptions options, string ns) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Metadata(options, ns),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Selector(options),
            Ports =
            [
                new V1ServicePort { Name = PortName, Port = Port, TargetPort = Port, Protocol = "TCP", AppProtocol = "kubernetes.io/h2c" },
            ],
        },
    };

    private static V1ObjectMeta Metadata(ManifestOptions options, string ns) => new()
    {
        Name = Name(options),
        NamespaceProperty = ns,
        Labels = Labels(options),
    };

    private static SortedDictionary<string, string> Selector(ManifestOptions options) => new(StringComparer.Ordinal)
    {
        [ManifestLabels.Name] = NameLabel,
        [ManifestLabels.Instance] = Name(options),
    };

    // managed-by=hoist, so teardown --all removes the controller with the services it scaled; a service's own selectors
    // (its name and instance) never match it, and status leaves out component=controller.
    private static SortedDictionary<string, string> Labels(ManifestOptions options) => new(Selector(options), StringComparer.Ordinal)
    {
        [ManifestLabels.Component] = Component,
        [ManifestLabels.PartOf] = KubernetesNames.ToLabelValue(options.AppName),
        [ManifestLabels.ManagedBy] = ManifestLabels.ManagedByHoist,
    };
}


namespace Hoist.Manifests;

/// <summary>
/// A kind of object Hoist creates, with what the API needs to address it. The workloads' kinds are their
/// <see cref="WorkloadKind"/>'s (<see cref="WorkloadKind.Resource"/>).
/// </summary>
internal sealed record ResourceKind(string Kind, string Group, string Version, string Plural)
{
    public static readonly ResourceKind Service = new("Service", "", "v1", "services");
    public static readonly ResourceKind Secret = new("Secret", "", "v1", "secrets");

    /// <summary>A [Volume]'s claim: applied with its service, never deleted by teardown, since the data is the point.</summary>
    public static readonly ResourceKind PersistentVolumeClaim = new("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims");
    public static readonly ResourceKind Lease = new("Lease", "coordination.k8s.io", "v1", "leases");

    // The in-cluster controller's account and rights (ControllerManifests), applied by hoist deploy.
    public static readonly ResourceKind ServiceAccount = new("ServiceAccount", "", "v1", "serviceaccounts");
    public static readonly ResourceKind Role = new("Role", "rbac.authorization.k8s.io", "v1", "roles");
    public static readonly ResourceKind RoleBinding = new("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings");
    public static readonly ResourceKind NetworkPolicy = new("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies");

    /// <summary>
    /// What a service's teardown deletes, owners first: every kind's workload (they take their pods, revisions and
    /// ReplicaSets with them), then what the kinds render beside them (the Services that pointed at them). The token
    /// Secret is the app's, shared by its services, and stays.
    /// </summary>
    public static IReadOnlyList<ResourceKind> ServiceObjects =>
        [.. WorkloadKinds.All.Select(k => k.Resource), .. WorkloadKinds.All.SelectMany(k => k.Companions).Distinct()];

    /// <summary>
    /// What a teardown deletes: the service's objects, then its activity Lease, which no rendering has, then the
    /// in-cluster controller's account and rights, which only <c>--all</c>'s selector (managed-by=hoist) matches; its
    /// Deployment and Service go with the services' kinds.
    /// </summary>
    public static IReadOnlyList<ResourceKind> Teardown => [.. ServiceObjects, Lease, NetworkPolicy, RoleBinding, Role, ServiceAccount];

    /// <summary>A kind a CRD defines (Knative's, KubeRay's): a cluster without the CRD answers 404 for it.</summary>
    public bool IsCustom { get; init; }

    /// <summary>
    /// A kind a namespace-scoped developer may have no rights on without losing anything essential (Knative and
    /// KubeRay kinds they do not use, the activity Lease, the controller's account and rights, which only whoever deployed
    /// the controller may manage): a 403 listing it means "none here", with a warning.
    /// </summary>
    public bool AbsentWhenForbidden => IsCustom || this == Lease || this == ServiceAccount || this == Role || this == RoleBinding || this == NetworkPolicy;

    public override string ToString() => Group.Length == 0 ? $"{Kind} ({Version})" : $"{Kind} ({Group}/{Version})";

    /// <summary>The kind of a rendered object.</summary>
    public static ResourceKind Of(object value) => value switch
    {
        k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> workload when WorkloadKinds.Of(workload) is { } kind => kind.Resource,
        k8s.Models.V1Service => Service,
        k8s.Models.V1Secret => Secret,
        k8s.Models.V1PersistentVolumeClaim => PersistentVolumeClaim,
        k8s.Models.V1Lease => Lease,
        k8s.Models.V1ServiceAccount => ServiceAccount,
        k8s.Models.V1Role => Role,
        k8s.Models.V1RoleBinding => RoleBinding,
        k8s.Models.V1NetworkPolicy => NetworkPolicy,
        _ => throw new NotSupportedException($"Hoist does not apply objects of type {value.GetType().Name}."),
    };
}

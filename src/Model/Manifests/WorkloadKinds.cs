using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// Every kind of workload Hoist runs a service as. The renderer, the Kubernetes backend, the in-cluster controller and
/// the CLI all go through this list; a new kind is its own file and one line here.
/// </summary>
internal static class WorkloadKinds
{
    public static DeploymentKind Deployment { get; } = new();

    public static StatefulSetKind StatefulSet { get; } = new();

    public static KnativeServiceKind Knative { get; } = new();

    public static RayClusterKind Ray { get; } = new();

    /// <summary>Every kind, in the order a service's workload is looked for on the cluster.</summary>
    public static IReadOnlyList<WorkloadKind> All { get; } = [Deployment, StatefulSet, Knative, Ray];

    /// <summary>The kind a service of <paramref name="descriptor"/> runs as.</summary>
    public static WorkloadKind For(ServiceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return All.Single(k => k.Runs(descriptor));
    }

    /// <summary>The kind whose workload object <paramref name="value"/> is, or null for any other object (a Service, a claim).</summary>
    public static WorkloadKind? Of(IKubernetesObject<V1ObjectMeta> value) => All.FirstOrDefault(k => k.IsWorkload(value));

    /// <summary>The kind of workload addressed as <paramref name="resource"/>, or null for a kind that is no workload.</summary>
    public static WorkloadKind? Of(ResourceKind resource) => All.FirstOrDefault(k => k.Resource == resource);
}

using System.Globalization;
using k8s;
using k8s.Models;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// Sets a workload's replicas through its <c>scale</c> subresource, which is all a StatefulSet or a Deployment needs
/// to grow or shrink and all the controller's Role grants: no right to change anything else about the workload.
/// </summary>
internal sealed class KubernetesScaleActuator(IKubernetes client) : IWorkloadActuator
{
    /// <summary>
    /// The field manager of the replicas the controller sets. <c>hoist deploy</c> and a client applying the service
    /// again take them back (server-side apply with force), which is how a call wakes a group the controller stopped.
    /// </summary>
    public const string FieldManager = "hoist-controller";

    public async Task ScaleAsync(ScaledWorkload workload, int replicas, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(
            "{\"spec\":{\"replicas\":" + replicas.ToString(CultureInfo.InvariantCulture) + "}}",
            V1Patch.PatchType.MergePatch);
        if (workload.Kind == ResourceKind.StatefulSet)
        {
            await client.AppsV1.PatchNamespacedStatefulSetScaleAsync(patch, workload.Name, workload.Namespace, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else if (workload.Kind == ResourceKind.Deployment)
        {
            await client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, workload.Name, workload.Namespace, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new NotSupportedException($"The controller scales StatefulSets and Deployments, not {workload.Kind}.");
        }
    }
}

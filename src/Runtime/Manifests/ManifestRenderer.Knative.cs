using k8s;
using k8s.Models;

namespace Hoist.Manifests;

public static partial class ManifestRenderer
{
    /// <summary>The container port Knative routes to; the name "h2c" tells it to speak HTTP/2 cleartext, which gRPC needs.</summary>
    public const string KnativePortName = "h2c";

    // [Autoscale] without [Distribute]: a Knative Service. Every setting becomes its autoscaling.knative.dev
    // annotation on the revision template, where Knative reads them, and LaunchTimeout its progress deadline.
    private static KnativeService RenderKnativeService(RenderTarget target, AutoscaleSpec autoscale)
    {
        var templateAnnotations = new SortedDictionary<string, string>(StringComparer.Ordinal);
        AutoscaleAnnotations.AddTo(templateAnnotations, autoscale, ManifestAnnotations.KnativeAutoscalingPrefix, ManifestAnnotations.KnativePodAutoscalerClass);
        templateAnnotations[ManifestAnnotations.KnativeProgressDeadline] =
            target.Descriptor.Compute.LaunchTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture) + "s";

        var metadata = target.Metadata(target.Name, target.HoistAnnotations());
        metadata.Labels[ManifestLabels.KnativeVisibility] = "cluster-local";
        return new KnativeService
        {
            Metadata = metadata,
            Spec = new KnativeServiceSpec
            {
                Template = new KnativeRevisionTemplate
                {
                    Metadata = new V1ObjectMeta { Labels = target.Labels(), Annotations = templateAnnotations },
                    Spec = new KnativeRevisionSpec
                    {
                        Containers = [WorkerContainer.Create(target, KnativePortName, podFieldRefs: false, [])],
                        NodeSelector = WorkerPod.NodeSelector(target.Descriptor.Compute),
                        Tolerations = WorkerPod.Tolerations(target.Descriptor.Compute),
                        Volumes = WorkerPod.Volumes(target.Descriptor),
                    },
                },
            },
        };
    }
}

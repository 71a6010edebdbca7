using k8s;
using k8s.Models;

namespace Hoist.Manifests;

public static partial class ManifestRenderer
{
    /// <summary>The container port Knative routes to; the name "h2c" tells it to speak HTTP/2 cleartext, which gRPC needs.</summary>
    public const string KnativePortName = "h2c";

    /// <summary>
    /// Knative's default <c>max-revision-timeout-seconds</c> (config-defaults): the longest request a stock cluster
    /// lets a revision serve, and the request timeout of a service with no CallTimeout.
    /// </summary>
    public const long KnativeDefaultMaxRequestSeconds = 600;

    /// <summary>
    /// The revision's <c>timeoutSeconds</c>: the service's CallTimeout in whole seconds (rounded up, so the caller's
    /// deadline fires first with a HoistTimeoutException, not the queue-proxy's cut), else the longest a stock
    /// cluster allows, since a call without a deadline must not be cut at Knative's 300 s default.
    /// </summary>
    public static long KnativeRequestTimeoutSeconds(TimeSpan? callTimeout) =>
        callTimeout is { } timeout ? Math.Max(1, (long)Math.Ceiling(timeout.TotalSeconds)) : KnativeDefaultMaxRequestSeconds;

    // [Autoscale] without [Distribute]: a Knative Service. Every setting becomes its autoscaling.knative.dev
    // annotation on the revision template, where Knative reads them, and LaunchTimeout its progress deadline.
    internal static KnativeService RenderKnativeService(RenderTarget target, AutoscaleSpec autoscale)
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
                    Metadata = WorkerPod.TemplateMetadata(target, templateAnnotations),
                    Spec = KnativeRevisionSpec.From(
                        WorkerPod.Spec(target, WorkerContainer.Create(target, KnativePortName, podFieldRefs: false, [])),
                        KnativeRequestTimeoutSeconds(target.Descriptor.CallTimeout),
                        autoscale.ContainerConcurrency),
                },
            },
        };
    }
}

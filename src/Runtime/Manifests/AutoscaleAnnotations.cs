using System.Globalization;
using static Hoist.Manifests.ManifestAnnotations;

namespace Hoist.Manifests;

/// <summary>
/// Every <c>[Autoscale]</c> setting as an annotation, none dropped. Knative reads them on a revision template;
/// the Hoist runtime reads the same names under <c>autoscaling.hoist.dev/</c> for a worker group.
/// </summary>
internal static class AutoscaleAnnotations
{
    public static void AddTo(IDictionary<string, string> annotations, AutoscaleSpec autoscale, string prefix, string autoscalerClass)
    {
        annotations[prefix + Class] = autoscalerClass;
        annotations[prefix + Metric] = autoscale.Metric;
        annotations[prefix + Target] = autoscale.Target.ToString("R", CultureInfo.InvariantCulture);
        annotations[prefix + TargetUtilization] = Format(autoscale.TargetUtilization);
        annotations[prefix + Window] = autoscale.Window;
        annotations[prefix + MinScale] = Format(EffectiveMinScale(autoscale));
        annotations[prefix + MaxScale] = Format(autoscale.MaxScale);
        annotations[prefix + InitialScale] = Format(autoscale.InitialScale);
        if (autoscale.ScaleToZeroGracePeriod is { } grace)
        {
            annotations[prefix + ScaleToZeroRetention] = Format(grace) + "s";
        }
    }

    /// <summary>
    /// A grace period turns scale to zero on and overrides MinScale; an unset MinScale means "never below one"
    /// (DESIGN.md), which Knative only does when told, since its own default is zero.
    /// </summary>
    public static int EffectiveMinScale(AutoscaleSpec autoscale) =>
        autoscale.ScaleToZeroGracePeriod is not null ? 0 : autoscale.MinScale ?? 1;

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}

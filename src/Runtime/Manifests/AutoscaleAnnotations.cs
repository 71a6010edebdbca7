using System.Globalization;
using static Hoist.Manifests.ManifestAnnotations;

namespace Hoist.Manifests;

/// <summary>
/// Every <c>[Autoscale]</c> setting as an annotation, none dropped. Knative reads them on a revision template;
/// a distributed service carries the same names under <c>autoscaling.hoist.dev/</c>, which record its settings
/// on the workload (nothing in a cluster scales a worker group from them yet; the local backend does it itself).
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

    /// <summary>The minimum replicas, by the settings rules: a grace period means 0, an unset MinScale 1.</summary>
    public static int EffectiveMinScale(AutoscaleSpec autoscale) =>
        Settings.ServiceSettingsRules.EffectiveMinScale(autoscale.MinScale, autoscale.ScaleToZeroGracePeriod);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}

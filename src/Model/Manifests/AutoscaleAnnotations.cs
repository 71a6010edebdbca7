using System.Globalization;
using System.Text;
using static Hoist.Manifests.ManifestAnnotations;

namespace Hoist.Manifests;

/// <summary>
/// Every <c>[Autoscale]</c> setting as an annotation, none dropped. Knative reads them on a revision template;
/// a distributed service carries the same names under <c>autoscaling.hoist.dev/</c>, which record its settings
/// on the workload (the in-cluster controller reads them back with <see cref="Read"/> and scales the group as a whole).
/// </summary>
internal static class AutoscaleAnnotations
{
    /// <summary>What <c>hoist status</c> shows for a service without autoscaling settings.</summary>
    public const string None = "-";

    /// <summary>"concurrency 8 at 70%, 0..10 replicas, window 60s, to zero after 300s"; "-" when the annotations hold no autoscaling.</summary>
    public static string Describe(IDictionary<string, string> annotations, string prefix)
    {
        string? Get(string key) => annotations.TryGetValue(prefix + key, out var value) && value.Length > 0 ? value : null;

        var metric = Get(Metric);
        var target = Get(Target);
        if (metric is null && target is null && Get(Class) is null)
        {
            return None;
        }

        var text = new StringBuilder();
        // No target: [Autoscale(ContainerConcurrency)] decides it, as Knative derives it from containerConcurrency.
        text.Append(metric ?? "concurrency").Append(' ').Append(target ?? Get(ContainerConcurrency) ?? "from containerConcurrency");
        if (Get(TargetUtilization) is { } utilization)
        {
            text.Append(" at ").Append(utilization).Append('%');
        }

        var min = Get(MinScale) ?? "1";
        var max = Get(MaxScale) is { } m && m != "0" ? m : "unbounded";
        text.Append(", ").Append(min).Append("..").Append(max).Append(" replicas");
        if (Get(Window) is { } window)
        {
            text.Append(", window ").Append(window);
        }

        if (Get(ScaleToZeroRetention) is { } retention)
        {
            text.Append(", to zero after ").Append(retention);
        }

        if (Get(ScaleDownDelay) is { } delay)
        {
            text.Append(", scale-down delay ").Append(delay);
        }

        return text.ToString();
    }

    public static void AddTo(IDictionary<string, string> annotations, AutoscaleSpec autoscale, string prefix, string autoscalerClass)
    {
        annotations[prefix + Class] = autoscalerClass;
        annotations[prefix + Metric] = autoscale.Metric;
        if (!Settings.ServiceSettingsRules.TargetIsDerived(autoscale.Target, autoscale.Metric, autoscale.ContainerConcurrency))
        {
            // Left out when the limit decides it: Knative then derives the target from containerConcurrency.
            annotations[prefix + Target] = autoscale.Target.ToString("R", CultureInfo.InvariantCulture);
        }

        annotations[prefix + TargetUtilization] = Format(autoscale.TargetUtilization);
        annotations[prefix + Window] = autoscale.Window;
        annotations[prefix + MinScale] = Format(EffectiveMinScale(autoscale));
        annotations[prefix + MaxScale] = Format(autoscale.MaxScale);
        annotations[prefix + InitialScale] = Format(autoscale.InitialScale);
        if (autoscale.ScaleToZeroGracePeriod is { } grace)
        {
            annotations[prefix + ScaleToZeroRetention] = Format(grace) + "s";
        }

        if (autoscale.ScaleDownDelay is { } delay)
        {
            annotations[prefix + ScaleDownDelay] = delay;
        }

        if (prefix == HoistAutoscalingPrefix && autoscale.ContainerConcurrency > 0)
        {
            annotations[prefix + ContainerConcurrency] = Format(autoscale.ContainerConcurrency);
        }
    }

    /// <summary>
    /// The settings back from annotations <see cref="AddTo"/> wrote under <paramref name="prefix"/>, as the in-cluster
    /// controller reads a StatefulSet's; null when there are none (the service does not autoscale). The effective
    /// MinScale was written, so it comes back as MinScale, and a retention period as the grace period: the policy
    /// derived from either is the same.
    /// </summary>
    public static AutoscaleSpec? Read(IDictionary<string, string>? annotations, string prefix)
    {
        if (annotations is null || !annotations.TryGetValue(prefix + Class, out _))
        {
            return null;
        }

        var defaults = new AutoscaleSpec();
        string? Text(string key) => annotations.TryGetValue(prefix + key, out var value) ? value : null;
        int? Integer(string key) => int.TryParse(Text(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        return new AutoscaleSpec
        {
            Metric = Text(Metric) ?? defaults.Metric,
            Target = double.TryParse(Text(Target), NumberStyles.Float, CultureInfo.InvariantCulture, out var target) ? target : defaults.Target,
            TargetUtilization = Integer(TargetUtilization) ?? defaults.TargetUtilization,
            Window = Text(Window) ?? defaults.Window,
            MinScale = Integer(MinScale),
            MaxScale = Integer(MaxScale) ?? defaults.MaxScale,
            InitialScale = Integer(InitialScale) ?? defaults.InitialScale,
            ScaleToZeroGracePeriod = Text(ScaleToZeroRetention) is { } retention && GoDuration.TryParse(retention, out var grace)
                ? (int)grace.TotalSeconds
                : null,
            ContainerConcurrency = Integer(ContainerConcurrency) ?? defaults.ContainerConcurrency,
            ScaleDownDelay = Text(ScaleDownDelay) is { } delay && GoDuration.TryParse(delay, out _) ? delay : null,
        };
    }

    /// <summary>The minimum replicas, by the settings rules: a grace period means 0, an unset MinScale 1.</summary>
    public static int EffectiveMinScale(AutoscaleSpec autoscale) =>
        Settings.ServiceSettingsRules.EffectiveMinScale(autoscale.MinScale, autoscale.ScaleToZeroGracePeriod);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}

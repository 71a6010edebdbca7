using System.Globalization;
using Hoist.Hosting;
using k8s.Models;
using static Hoist.Manifests.ManifestAnnotations;

namespace Hoist.Manifests.Tests;

public sealed class AutoscaleAnnotationTests
{
    // Each row: the attribute values, the annotation (after the prefix) they must land in, and its exact value.
    private static readonly Dictionary<string, AutoscaleSpec> s_specs = new()
    {
        ["defaults"] = new AutoscaleSpec(),
        ["metric rps"] = new AutoscaleSpec { Metric = "rps" },
        ["target 8"] = new AutoscaleSpec { Target = 8 },
        ["target 2.5"] = new AutoscaleSpec { Target = 2.5 },
        ["target utilization 55"] = new AutoscaleSpec { TargetUtilization = 55 },
        ["window 90s"] = new AutoscaleSpec { Window = "90s" },
        ["min scale 2"] = new AutoscaleSpec { MinScale = 2 },
        ["min scale 0"] = new AutoscaleSpec { MinScale = 0 },
        ["grace period overrides min scale"] = new AutoscaleSpec { MinScale = 3, ScaleToZeroGracePeriod = 300 },
        ["grace period 300"] = new AutoscaleSpec { ScaleToZeroGracePeriod = 300 },
        ["max scale 10"] = new AutoscaleSpec { MaxScale = 10 },
        ["initial scale 3"] = new AutoscaleSpec { InitialScale = 3 },
        ["initial scale 0"] = new AutoscaleSpec { InitialScale = 0, MinScale = 0 },
    };

    public static TheoryData<string, string, string> Rows => new()
    {
        { "defaults", Metric, "concurrency" },
        { "metric rps", Metric, "rps" },
        { "defaults", Target, "100" },
        { "target 8", Target, "8" },
        { "target 2.5", Target, "2.5" },
        { "defaults", TargetUtilization, "70" },
        { "target utilization 55", TargetUtilization, "55" },
        { "defaults", Window, "60s" },
        { "window 90s", Window, "90s" },
        { "defaults", MinScale, "1" },
        { "min scale 2", MinScale, "2" },
        { "min scale 0", MinScale, "0" },
        { "grace period overrides min scale", MinScale, "0" },
        { "grace period 300", ScaleToZeroRetention, "300s" },
        { "defaults", MaxScale, "0" },
        { "max scale 10", MaxScale, "10" },
        { "defaults", InitialScale, "1" },
        { "initial scale 3", InitialScale, "3" },
        { "initial scale 0", InitialScale, "0" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void KnativeService_CarriesSetting_InItsAnnotation(string row, string setting, string expected)
    {
        var annotations = WithCulture("de-DE", () => KnativeTemplateAnnotations(s_specs[row]));

        Assert.Equal(expected, annotations[KnativeAutoscalingPrefix + setting]);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void DistributedService_CarriesSetting_ForTheHoistRuntime(string row, string setting, string expected)
    {
        var descriptor = Samples.Service("group", distribution: new DistributionSpec { Type = "pytorch", Workers = 2 }, autoscale: s_specs[row]);
        var statefulSet = WithCulture("de-DE", () => ManifestRenderer.Render(descriptor, Samples.Options).OfType<V1StatefulSet>().Single());

        Assert.Equal(expected, statefulSet.Metadata.Annotations[HoistAutoscalingPrefix + setting]);
        Assert.Equal(WorkerGroupClass, statefulSet.Metadata.Annotations[HoistAutoscalingPrefix + Class]);

        // Groups that scale out: rendered with InitialScale groups (at least the effective MinScale) of 2 ranks each.
        Assert.Equal(2 * StatefulSetKind.InitialGroups(descriptor), statefulSet.Spec.Replicas);
    }

    [Fact]
    public void KnativeService_UsesTheKnativePodAutoscaler()
    {
        Assert.Equal(KnativePodAutoscalerClass, KnativeTemplateAnnotations(new AutoscaleSpec())[KnativeAutoscalingPrefix + Class]);
    }

    [Fact]
    public void KnativeService_WritesEverySetting_AndRetentionOnlyWithAGracePeriod()
    {
        string[] always = [Class, Metric, Target, TargetUtilization, Window, MinScale, MaxScale, InitialScale];

        var without = KnativeTemplateAnnotations(new AutoscaleSpec());
        var with = KnativeTemplateAnnotations(new AutoscaleSpec { ScaleToZeroGracePeriod = 30 });

        Assert.Equal(Keys(always), without.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Keys([.. always, ScaleToZeroRetention]), with.Keys.Order(StringComparer.Ordinal));

        static IEnumerable<string> Keys(string[] settings) => settings.Select(s => KnativeAutoscalingPrefix + s).Order(StringComparer.Ordinal);
    }

    [Theory]
    [InlineData(900, "900s")]
    [InlineData(60, "60s")]
    public void KnativeService_ProgressDeadline_IsTheLaunchTimeout(int launchTimeout, string expected)
    {
        var descriptor = Samples.Service("embed", new ComputeSpec { LaunchTimeout = launchTimeout }, autoscale: new AutoscaleSpec());

        var annotations = ((KnativeService)ManifestRenderer.Render(descriptor, Samples.Options).Single()).Spec.Template.Metadata.Annotations;

        Assert.Equal(expected, annotations[KnativeProgressDeadline]);
    }

    [Fact]
    public void DeployTimeOverrides_LandInTheAnnotations()
    {
        var descriptor = Samples.Service("embed", autoscale: new AutoscaleSpec { MaxScale = 10, Target = 8 });
        var overridden = new ServiceOverrides { MaxScale = 20, Target = 4, Window = "2m" }.ApplyTo(descriptor);

        var annotations = ((KnativeService)ManifestRenderer.Render(overridden, Samples.Options).Single()).Spec.Template.Metadata.Annotations;

        Assert.Equal("20", annotations[KnativeAutoscalingPrefix + MaxScale]);
        Assert.Equal("4", annotations[KnativeAutoscalingPrefix + Target]);
        Assert.Equal("2m", annotations[KnativeAutoscalingPrefix + Window]);
    }

    private static IDictionary<string, string> KnativeTemplateAnnotations(AutoscaleSpec autoscale)
    {
        var service = Assert.IsType<KnativeService>(Assert.Single(ManifestRenderer.Render(Samples.Service("embed", autoscale: autoscale), Samples.Options)));
        return service.Spec.Template.Metadata.Annotations
            .Where(a => a.Key.StartsWith(KnativeAutoscalingPrefix, StringComparison.Ordinal))
            .ToDictionary(a => a.Key, a => a.Value);
    }

    private static T WithCulture<T>(string culture, Func<T> action)
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }
}

using Hoist.Manifests;

namespace Hoist.Autoscaling;

/// <summary>
/// The numbers a KPA decision uses, derived once from a service's <see cref="AutoscaleSpec"/>. The
/// defaults are Knative's (pkg/autoscaler/config): the panic window is 10% of the stable window,
/// the panic threshold 200%, scale-up at most 1000× and scale-down at most 2× per tick. The rates and the
/// threshold are properties so that Knative's own test cases, which use other values, run unchanged.
/// </summary>
public sealed record ScalingPolicy
{
    public const double PanicWindowPercentage = 10;
    public const double DefaultPanicThreshold = 2.0;
    public const double DefaultMaxScaleUpRate = 1000;
    public const double DefaultMaxScaleDownRate = 2;
    public static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(2);

    /// <summary>"concurrency" or "rps".</summary>
    public required string Metric { get; init; }

    /// <summary>max(0.01, Target × TargetUtilization / 100), Target capped by ContainerConcurrency: the per-replica value scaling aims for (Settings.ServiceSettingsRules.TargetPerReplica).</summary>
    public required double TargetPerReplica { get; init; }

    /// <summary>Panic when the panic window wants this many times the ready replicas.</summary>
    public double PanicThreshold { get; init; } = DefaultPanicThreshold;

    /// <summary>One tick asks for at most ceil(rate × ready) replicas.</summary>
    public double MaxScaleUpRate { get; init; } = DefaultMaxScaleUpRate;

    /// <summary>One tick asks for at least floor(ready / rate) replicas.</summary>
    public double MaxScaleDownRate { get; init; } = DefaultMaxScaleDownRate;

    public required TimeSpan StableWindow { get; init; }

    public required TimeSpan PanicWindow { get; init; }

    /// <summary>The floor: 0 when scale to zero is enabled, else MinScale or 1.</summary>
    public required int MinScale { get; init; }

    /// <summary>The ceiling; 0 means no limit.</summary>
    public required int MaxScale { get; init; }

    public required int InitialScale { get; init; }

    /// <summary>Idle time past a whole quiet stable window before the last replica goes.</summary>
    public required TimeSpan ScaleToZeroGracePeriod { get; init; }

    /// <summary>How long a scale-down waits: the autoscaler asks for the most replicas it wanted over this long (zero: no wait).</summary>
    public TimeSpan ScaleDownDelay { get; init; }

    public bool ScaleToZeroEnabled => MinScale == 0;

    public static ScalingPolicy From(AutoscaleSpec spec)
    {
        var stable = GoDuration.Parse(spec.Window, "Autoscale.Window");
        var panic = TimeSpan.FromTicks((long)(stable.Ticks * PanicWindowPercentage / 100));

        var minScale = Settings.ServiceSettingsRules.EffectiveMinScale(spec.MinScale, spec.ScaleToZeroGracePeriod);
        return new ScalingPolicy
        {
            Metric = spec.Metric,
            TargetPerReplica = Settings.ServiceSettingsRules.TargetPerReplica(spec.Target, spec.TargetUtilization, spec.Metric, spec.ContainerConcurrency),
            StableWindow = stable,
            PanicWindow = panic < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : panic,
            MinScale = minScale,
            MaxScale = spec.MaxScale,
            InitialScale = spec.InitialScale,
            ScaleToZeroGracePeriod = TimeSpan.FromSeconds(spec.ScaleToZeroGracePeriod ?? 0),
            ScaleDownDelay = spec.ScaleDownDelay is { } delay ? GoDuration.Parse(delay, "Autoscale.ScaleDownDelay") : TimeSpan.Zero,
        };
    }
}

namespace Hoist.Autoscaling;

/// <summary>
/// The numbers a KPA decision uses, derived once from a service's <see cref="AutoscaleSpec"/>. The
/// constants are Knative's defaults (pkg/autoscaler/config): the panic window is 10% of the stable window,
/// the panic threshold 200%, scale-up at most 1000× and scale-down at most 2× per tick.
/// </summary>
public sealed record ScalingPolicy
{
    public const double PanicWindowPercentage = 10;
    public const double PanicThreshold = 2.0;
    public const double MaxScaleUpRate = 1000;
    public const double MaxScaleDownRate = 2;
    public static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(2);

    /// <summary>"concurrency" or "rps".</summary>
    public required string Metric { get; init; }

    /// <summary>Target × TargetUtilization / 100: the per-replica value scaling aims for.</summary>
    public required double TargetPerReplica { get; init; }

    public required TimeSpan StableWindow { get; init; }

    public required TimeSpan PanicWindow { get; init; }

    /// <summary>The floor: 0 when scale to zero is enabled, else MinScale or 1.</summary>
    public required int MinScale { get; init; }

    /// <summary>The ceiling; 0 means no limit.</summary>
    public required int MaxScale { get; init; }

    public required int InitialScale { get; init; }

    /// <summary>Idle time past a whole quiet stable window before the last replica goes.</summary>
    public required TimeSpan ScaleToZeroGracePeriod { get; init; }

    public bool ScaleToZeroEnabled => MinScale == 0;

    public static ScalingPolicy From(AutoscaleSpec spec)
    {
        var stable = GoDuration.Parse(spec.Window, "Autoscale.Window");
        var panic = TimeSpan.FromTicks((long)(stable.Ticks * PanicWindowPercentage / 100));

        var minScale = Settings.ServiceSettingsRules.EffectiveMinScale(spec.MinScale, spec.ScaleToZeroGracePeriod);
        return new ScalingPolicy
        {
            Metric = spec.Metric,
            TargetPerReplica = spec.Target * spec.TargetUtilization / 100.0,
            StableWindow = stable,
            PanicWindow = panic < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : panic,
            MinScale = minScale,
            MaxScale = spec.MaxScale,
            InitialScale = spec.InitialScale,
            ScaleToZeroGracePeriod = TimeSpan.FromSeconds(spec.ScaleToZeroGracePeriod ?? 0),
        };
    }
}

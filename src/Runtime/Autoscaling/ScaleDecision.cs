namespace Hoist.Autoscaling;

/// <summary>One tick's decision with everything that went into it, for logs and the decisions API.</summary>
public sealed record ScaleDecision
{
    public required DateTimeOffset At { get; init; }

    public required int ReadyReplicas { get; init; }

    public required double StableAverage { get; init; }

    public required double PanicAverage { get; init; }

    /// <summary>ceil(stable / target), clamped by the scale-up and scale-down rates.</summary>
    public required int StableDesired { get; init; }

    /// <summary>ceil(panic / target), clamped the same way.</summary>
    public required int PanicDesired { get; init; }

    public required bool Panicking { get; init; }

    public required int MinScale { get; init; }

    public required int MaxScale { get; init; }

    /// <summary>The replica count to run, after panic mode, bounds and the scale-to-zero rule.</summary>
    public required int DesiredReplicas { get; init; }

    /// <summary>Why the count is what it is, in a few words.</summary>
    public required string Reason { get; init; }
}

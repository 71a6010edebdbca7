namespace Hoist.Autoscaling;

/// <summary>
/// The largest value recorded over the last <c>duration</c>, in buckets of <c>granularity</c>: Knative's
/// <c>max.TimeWindow</c> (pkg/autoscaler/aggregation/max), which ScaleDownDelay runs the autoscaler's desired
/// replicas through, so a scale-down waits until the larger counts have left the window. The same buckets as Knative
/// (Unix seconds divided by the granularity, ceil(duration / granularity) of them, the larger value when one bucket
/// is recorded twice) and the same "ascending minima" queue, newest last and decreasing from the front. Pure.
/// </summary>
public sealed class MaxTimeWindow
{
    private readonly LinkedList<(long Index, int Value)> _maxima = new();
    private readonly long _granularitySeconds;

    public MaxTimeWindow(TimeSpan duration, TimeSpan granularity)
    {
        _granularitySeconds = Math.Max(1, (long)granularity.TotalSeconds);
        Buckets = Math.Max(1, (int)Math.Ceiling(duration.TotalSeconds / _granularitySeconds));
    }

    /// <summary>How many buckets the window spans.</summary>
    public int Buckets { get; }

    /// <summary>The largest value in the window; 0 before anything was recorded.</summary>
    public int Current => _maxima.First?.Value.Value ?? 0;

    public void Record(DateTimeOffset now, int value)
    {
        var index = now.ToUnixTimeSeconds() / _granularitySeconds;

        // A smaller value than this one, and older, can never be the maximum again.
        while (_maxima.Last is { } last && value >= last.Value.Value)
        {
            _maxima.RemoveLast();
        }

        // Values that have left the window.
        while (_maxima.First is { } first && index - first.Value.Index >= Buckets)
        {
            _maxima.RemoveFirst();
        }

        // One bucket recorded twice keeps its larger value (a smaller one is still on the queue).
        if (_maxima.Last is { } same && same.Value.Index == index)
        {
            value = Math.Max(value, same.Value.Value);
            _maxima.RemoveLast();
        }

        _maxima.AddLast((index, value));
    }
}

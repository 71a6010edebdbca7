using Hoist.Autoscaling;

namespace Hoist.Runtime.Tests.Autoscaling;

/// <summary>Knative's max.TimeWindow: the largest value of the last ceil(duration / granularity) buckets.</summary>
public sealed class MaxTimeWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheLargestValue_StaysUntilItsBucketLeavesTheWindow_ThenTheNextLargest()
    {
        var window = new MaxTimeWindow(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2));   // three buckets
        Assert.Equal(3, window.Buckets);

        var seen = new[] { 5, 3, 4, 1, 1, 1, 0 }.Select((value, tick) =>
        {
            window.Record(T0.AddSeconds(2 * tick), value);
            return window.Current;
        });

        Assert.Equal([5, 5, 5, 4, 4, 1, 1], seen);
    }

    [Fact]
    public void OneBucketRecordedTwice_KeepsItsLargerValue()
    {
        var window = new MaxTimeWindow(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(2));
        window.Record(T0, 7);
        window.Record(T0.AddMilliseconds(900), 2);
        Assert.Equal(7, window.Current);

        window.Record(T0.AddSeconds(4), 1);   // two buckets on: T0's has left
        Assert.Equal(1, window.Current);
    }
}

using Hoist.Autoscaling;
using Hoist.Manifests;

namespace Hoist.Runtime.Tests.Autoscaling;

public sealed class MetricWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Concurrency_AveragesSamplesPerSecond_ThenOverTheWindow()
    {
        var window = new MetricWindow(TimeSpan.FromMinutes(2));
        for (var second = 0; second < 60; second++)
        {
            // 10 samples a second: 4 in flight in the first 54 s, 40 in the last 6 s.
            for (var i = 0; i < 10; i++)
            {
                window.RecordSample(T0.AddSeconds(second).AddMilliseconds(i * 100), second < 54 ? 4 : 40);
            }
        }

        var now = T0.AddSeconds(59.9);
        Assert.Equal((54 * 4 + 6 * 40) / 60.0, window.Average(now, TimeSpan.FromSeconds(60)), 6); // 7.6
        Assert.Equal(40, window.Average(now, TimeSpan.FromSeconds(6)), 6);
    }

    [Fact]
    public void Rps_CountsArrivalsPerSecond()
    {
        var window = new MetricWindow(TimeSpan.FromMinutes(2));
        for (var second = 0; second < 10; second++)
        {
            window.RecordArrivals(T0.AddSeconds(second), 30);
        }

        Assert.Equal(30, window.Average(T0.AddSeconds(9), TimeSpan.FromSeconds(60)), 6); // history of 10 s, not 60
    }

    [Fact]
    public void OldBuckets_FallOutOfTheWindow()
    {
        var window = new MetricWindow(TimeSpan.FromMinutes(2));
        window.RecordSample(T0, 100);
        for (var second = 1; second <= 70; second++)
        {
            window.RecordSample(T0.AddSeconds(second), 0);
        }

        Assert.Equal(0, window.Average(T0.AddSeconds(70), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void OneSecondWindow_ReadEarlyInASecond_SeesTheLastSecondMeasured()
    {
        var window = new MetricWindow(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10; i++)
        {
            window.RecordSample(T0.AddMilliseconds(i * 100), 28);
        }

        // The tick lands at T0 + 1.02 s, before the sampler has written anything for that second.
        Assert.Equal(28, window.Average(T0.AddSeconds(1.02), TimeSpan.FromSeconds(1)), 6);
    }

    [Fact]
    public void GoDuration_ParsesKnativeStyleDurations()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), GoDuration.Parse("1m30s", "w"));
        Assert.Equal(TimeSpan.FromHours(24), GoDuration.Parse("24h", "w"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), GoDuration.Parse("500ms", "w"));
        Assert.False(GoDuration.TryParse("abc", out _));
        Assert.False(GoDuration.TryParse("60", out _));
    }
}

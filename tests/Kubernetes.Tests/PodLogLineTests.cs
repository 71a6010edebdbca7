using Hoist.Backends.Kubernetes;

namespace Hoist.Kubernetes.Tests;

/// <summary>Log lines with the kubelet's timestamps, which let a dropped follow resume where it stopped.</summary>
public sealed class PodLogLineTests
{
    [Fact]
    public void TimestampedLine_GivesItsTimeToTheNanosecondsDotNetKeeps_AndTheLineAlone()
    {
        var (at, text) = PodLogLine.Parse("2026-11-30T05:52:23.123456789Z info: Hoist.Worker[0] ready on port 50051");

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 5, 52, 23, TimeSpan.Zero).AddTicks(1234567), at);
        Assert.Equal("info: Hoist.Worker[0] ready on port 50051", text);
    }

    [Theory]
    [InlineData("plain line without a time")]
    [InlineData("")]
    [InlineData("12 apples")]
    public void LineWithoutATimestamp_IsShownAsItIs(string raw)
    {
        var (at, text) = PodLogLine.Parse(raw);

        Assert.Null(at);
        Assert.Equal(raw, text);
    }

    [Fact]
    public void LinesInTheSameSecond_AreOrderedByTheirFraction_SoAResumeSkipsOnlyWhatItShowed()
    {
        var shown = PodLogLine.Parse("2026-11-30T05:52:23.100000000Z a").At!.Value;
        var next = PodLogLine.Parse("2026-11-30T05:52:23.200000000Z b").At!.Value;

        Assert.True(next > shown);
    }
}

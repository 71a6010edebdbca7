using Hoist.Backends.Kubernetes;

namespace Hoist.Kubernetes.Tests;

/// <summary>The kubelet's side of v4.channel.k8s.io as it arrives: channel byte, then the port (LE) once per channel.</summary>
public sealed class PortForwardDecoderTests
{
    private static readonly byte[] Port50051 = [0x43, 0xC3];

    [Fact]
    public void FirstMessageOfEachChannel_CarriesOnlyThePort()
    {
        var decoder = new PortForwardDecoder();

        Assert.Equal(-1, decoder.Feed([0, .. Port50051], endOfMessage: true).Channel);
        Assert.Equal(-1, decoder.Feed([1, .. Port50051], endOfMessage: true).Channel);

        var (channel, offset, count) = decoder.Feed([0, 1, 2, 3], endOfMessage: true);
        Assert.Equal((0, 1, 3), (channel, offset, count));
    }

    [Fact]
    public void PortAndPayloadInOneMessage_SkipsThePortOnly()
    {
        var decoder = new PortForwardDecoder();

        Assert.Equal((0, 3, 2), decoder.Feed([0, .. Port50051, 9, 9], endOfMessage: true));
        Assert.Equal((0, 1, 2), decoder.Feed([0, 7, 7], endOfMessage: true));
    }

    [Fact]
    public void FragmentedMessage_TakesTheChannelFromTheFirstFragmentOnly()
    {
        var decoder = new PortForwardDecoder();
        decoder.Feed([0, .. Port50051], endOfMessage: true);

        Assert.Equal((0, 1, 2), decoder.Feed([0, 5, 6], endOfMessage: false));
        Assert.Equal((0, 0, 3), decoder.Feed([0, 7, 8], endOfMessage: false));
        Assert.Equal((0, 0, 1), decoder.Feed([4], endOfMessage: true));
        Assert.Equal((1, 3, 4), decoder.Feed([1, .. Port50051, .. "oops"u8.ToArray()], endOfMessage: true));
    }

    [Fact]
    public void PortSplitAcrossFragments_IsStillSkipped()
    {
        var decoder = new PortForwardDecoder();

        Assert.Equal(-1, decoder.Feed([0, Port50051[0]], endOfMessage: false).Channel);
        Assert.Equal((0, 1, 2), decoder.Feed([Port50051[1], 1, 2], endOfMessage: true));
    }

    [Fact]
    public void UnknownChannels_AreIgnored()
    {
        var decoder = new PortForwardDecoder();

        Assert.Equal(-1, decoder.Feed([3, 1, 2, 3], endOfMessage: true).Channel);
        Assert.Equal(-1, decoder.Feed([], endOfMessage: true).Channel);
    }
}

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Reads the server's side of the <c>v4.channel.k8s.io</c> port-forward protocol for one port: every WebSocket
/// message starts with its channel (0 data, 1 error), and the first bytes of each channel are the port number
/// (two bytes, little endian), which are not payload. A message may arrive in several fragments; only the first
/// carries the channel byte. Pure: it only says where the payload of each fragment is.
/// </summary>
internal sealed class PortForwardDecoder
{
    public const byte DataChannel = 0;
    public const byte ErrorChannel = 1;
    private const int PortPrefixLength = 2;

    private readonly int[] _prefixLeft = [PortPrefixLength, PortPrefixLength];
    private int _channel = -1;
    private bool _inMessage;

    /// <summary>
    /// Takes one received fragment and returns the channel its payload belongs to (-1 for an unknown channel or
    /// a fragment with no payload) and the payload's range within <paramref name="fragment"/>.
    /// </summary>
    public (int Channel, int Offset, int Count) Feed(ReadOnlySpan<byte> fragment, bool endOfMessage)
    {
        var offset = 0;
        if (!_inMessage)
        {
            if (fragment.IsEmpty)
            {
                return (-1, 0, 0);
            }

            _channel = fragment[0];
            _inMessage = true;
            offset = 1;
        }

        var channel = _channel;
        if (endOfMessage)
        {
            _inMessage = false;
        }

        if (channel is not (DataChannel or ErrorChannel))
        {
            return (-1, 0, 0);
        }

        var skip = Math.Min(_prefixLeft[channel], fragment.Length - offset);
        _prefixLeft[channel] -= skip;
        offset += skip;
        var count = fragment.Length - offset;
        return count == 0 ? (-1, 0, 0) : (channel, offset, count);
    }
}

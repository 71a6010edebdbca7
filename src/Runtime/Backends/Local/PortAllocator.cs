using System.Net;
using System.Net.Sockets;

namespace Hoist.Backends.Local;

/// <summary>
/// Picks the ports local workers listen on: gRPC, and the rendezvous ports of distributed frameworks.
/// They come from below Linux's ephemeral range (32768 and up), so no outgoing connection and no bind to
/// port 0 can take one in the moment between the choice and the worker's bind; each is checked free on
/// every interface, since torch's store binds the wildcard; and none is handed out twice in a while.
/// </summary>
internal static class PortAllocator
{
    private const int First = 20000;
    private const int Last = 32767;
    private static readonly TimeSpan Quarantine = TimeSpan.FromMinutes(5);
    private static readonly Dictionary<int, DateTime> s_handedOut = [];
    private static readonly Lock s_gate = new();

    public static int Next()
    {
        lock (s_gate)
        {
            var now = DateTime.UtcNow;
            foreach (var expired in s_handedOut.Where(p => now - p.Value > Quarantine).Select(p => p.Key).ToArray())
            {
                s_handedOut.Remove(expired);
            }

            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(First, Last + 1);
                if (!s_handedOut.ContainsKey(port) && IsFree(port))
                {
                    s_handedOut[port] = now;
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free TCP port between {First} and {Last} after 200 tries.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// A loopback port whose connections come out at a pod's port, like <c>kubectl port-forward</c>. Each accepted
/// connection gets its own tunnel from <c>openTunnel</c> (for Kubernetes, a port-forward WebSocket through the
/// API server, to a pod chosen at that moment), and bytes are copied both ways until either side ends.
/// gRPC keeps its HTTP/2 connections open, so a tunnel is opened per connection, not per call.
/// </summary>
internal sealed partial class PortForwarder : IAsyncDisposable
{
    private const int TunnelAttempts = 3;

    private readonly Func<CancellationToken, Task<Stream>> _openTunnel;
    private readonly ILogger _logger;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _relays = [];
    private readonly Task _acceptLoop;

    public PortForwarder(string name, Func<CancellationToken, Task<Stream>> openTunnel, ILogger logger)
    {
        Name = name;
        _openTunnel = openTunnel;
        _logger = logger;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        LocalPort = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>What the tunnels reach, for logs and errors: "pod/probe-7d9f/50051".</summary>
    public string Name { get; }

    public int LocalPort { get; }

    /// <summary>The address a gRPC channel uses: plain HTTP/2 to the loopback port.</summary>
    public Uri Address => new($"http://127.0.0.1:{LocalPort}");

    /// <summary>Connections being relayed now.</summary>
    public int ActiveConnections
    {
        get
        {
            lock (_gate)
            {
                return _relays.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] relays;
        lock (_gate)
        {
            relays = [.. _relays];
        }

        await Task.WhenAll([_acceptLoop, .. relays]).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(_logger, Name, ex.SocketErrorCode.ToString());
                continue;
            }

            client.NoDelay = true;
            lock (_gate)
            {
                var relay = RelayAsync(client);
                _relays.Add(relay);
                _ = relay.ContinueWith(
                    done =>
                    {
                        lock (_gate)
                        {
                            _relays.Remove(done);
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        await Task.Yield();
        var local = new NetworkStream(client, ownsSocket: true);
        await using (local.ConfigureAwait(false))
        {
            var tunnel = await OpenTunnelAsync().ConfigureAwait(false);
            if (tunnel is null)
            {
                // Closing the accepted connection fails the gRPC connection attempt at once, so the caller's
                // call fails as "unavailable" instead of hanging.
                return;
            }

            await using (tunnel.ConfigureAwait(false))
            {
                using var done = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                var up = CopyAsync(local, tunnel, done.Token);
                var down = CopyAsync(tunnel, local, done.Token);
                var first = await Task.WhenAny(up, down).ConfigureAwait(false);

                // Either side ending ends the connection: gRPC never half-closes a connection it still uses.
                await done.CancelAsync().ConfigureAwait(false);
                if (first.Exception?.InnerException is { } failure && !_stopping.IsCancellationRequested)
                {
                    // The far side's failure is the one worth seeing: the kubelet says why it could not connect.
                    if (first == down)
                    {
                        LogTunnelBroke(_logger, Name, failure.Message);
                    }
                    else
                    {
                        LogRelayEnded(_logger, Name, failure.Message);
                    }
                }

                try
                {
                    client.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // Already gone.
                }

                await IgnoreFailure(Task.WhenAll(up, down)).ConfigureAwait(false);
            }
        }
    }

    private async Task<Stream?> OpenTunnelAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await _openTunnel(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex)
            {
                if (attempt >= TunnelAttempts)
                {
                    LogTunnelFailed(_logger, Name, attempt, ex.Message);
                    return null;
                }

                await IgnoreFailure(Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _stopping.Token)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for <paramref name="task"/> and drops its failure: the relay has already acted on the first one.</summary>
    private static async Task IgnoreFailure(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            await to.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port-forward {Name}: could not open a tunnel after {Attempts} attempts: {Reason}")]
    private static partial void LogTunnelFailed(ILogger logger, string name, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port-forward {Name}: the tunnel broke: {Reason}")]
    private static partial void LogTunnelBroke(ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Port-forward {Name}: a connection ended: {Reason}")]
    private static partial void LogRelayEnded(ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port-forward {Name}: accepting a connection failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string name, string error);
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.Http;
using Grpc.Net.Client;
using Hoist.Benchmarks.Raw;

namespace Hoist.Benchmarks;

/// <summary>Starts the baseline server as a child process and gives a client for it.</summary>
internal sealed class RawEchoProcess : IDisposable
{
    private readonly Process _process;

    private readonly Socket _ping = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly byte[] _pingBuffer = new byte[1];

    private RawEchoProcess(Process process, int port, int pingPort, string socketPath)
    {
        _process = process;
        SocketChannel = Transport.WorkerChannels.Create(Transport.WorkerChannels.SocketAddress, socketPath);
        SocketClient = new RawEcho.RawEchoClient(SocketChannel);
        _ping.Connect(IPAddress.Loopback, pingPort);
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        Client = new RawEcho.RawEchoClient(Channel);
    }

    public GrpcChannel Channel { get; }

    public RawEcho.RawEchoClient Client { get; }

    /// <summary>The same server over a Unix domain socket: the baseline for the local transport.</summary>
    public GrpcChannel SocketChannel { get; }

    public RawEcho.RawEchoClient SocketClient { get; }

    /// <summary>One byte there and back over a plain socket: the floor under any call to another process.</summary>
    public async Task PingAsync()
    {
        await _ping.SendAsync(_pingBuffer);
        await _ping.ReceiveAsync(_pingBuffer);
    }

    /// <summary>Starts the server and returns once it has answered one echo.</summary>
    /// <param name="workerTuning">Start it with the same runtime settings Hoist gives its workers.</param>
    public static async Task<RawEchoProcess> StartAsync(bool workerTuning = false)
    {
        var port = Hoist.Backends.Local.PortAllocator.Next();
        var pingPort = Hoist.Backends.Local.PortAllocator.Next();
        var command = Hoist.Backends.Local.WorkerCommand.ForAssemblyPath(typeof(RawEchoProcess).Assembly.Location);
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (workerTuning)
        {
            start.Environment[Hoist.Backends.Local.WorkerRuntimeTuning.LohThresholdVariable] = Hoist.Backends.Local.WorkerRuntimeTuning.LohThreshold;
        }

        start.ArgumentList.Add(RawEchoServer.Argument);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(pingPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var socketPath = Path.Combine(Transport.PrivateFolder.Ensure(Transport.PrivateFolder.SocketFolder()), Transport.PrivateFolder.OwnedName($"raw-{port}.sock"));
        start.ArgumentList.Add(socketPath);
        var process = Process.Start(start)!;
        while (await process.StandardOutput.ReadLineAsync() is { } line && line != "READY")
        {
        }

        var server = new RawEchoProcess(process, port, pingPort, socketPath);
        await server.Client.EchoAsync(new RawMessage { Text = "warm" });
        await server.SocketClient.EchoAsync(new RawMessage { Text = "warm" });
        return server;
    }

    public void Dispose()
    {
        _ping.Dispose();
        Channel.Dispose();
        SocketChannel.Dispose();
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5000))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}

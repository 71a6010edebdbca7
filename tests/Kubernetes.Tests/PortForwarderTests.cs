using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Grpc.Net.Client;
using Hoist.Backends.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// The relay half of port-forwarding: a loopback listener whose connections are copied to a tunnel. Here the
/// tunnel is a plain loopback TCP connection to a real server, so the relay is tested without any API server.
/// </summary>
public sealed class PortForwarderTests
{
    [Fact]
    public async Task Relay_CarriesBytesBothWays_OneTunnelPerConnection()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoing = EchoAsync(echo);
        var tunnels = 0;
        await using var forwarder = new PortForwarder("test/echo", async ct =>
        {
            Interlocked.Increment(ref tunnels);
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)echo.LocalEndpoint).Port, ct);
            return client.GetStream();
        }, NullLogger.Instance);

        for (var connection = 0; connection < 2; connection++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, forwarder.LocalPort);
            var stream = client.GetStream();
            var payload = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7 + connection)).ToArray();
            var reading = ReadExactlyAsync(stream, payload.Length);
            await stream.WriteAsync(payload);
            Assert.Equal(payload, await reading.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(2, tunnels);
        echo.Stop();
        await Task.WhenAny(echoing, Task.Delay(1000));
    }

    [Fact]
    public async Task NoTunnel_ClosesTheConnection_InsteadOfHanging()
    {
        await using var forwarder = new PortForwarder("test/nowhere", _ => Task.FromException<Stream>(new InvalidOperationException("No ready pod")), NullLogger.Instance);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, forwarder.LocalPort);

        var buffer = new byte[16];
        var read = await ReadOrResetAsync(client.GetStream(), buffer).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, read);
    }

    [Fact]
    public async Task GrpcOverH2c_WorksThroughTheRelay()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var health = new HealthServiceImpl();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        builder.Services.AddSingleton(health);
        await using var app = builder.Build();
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;

        await using var forwarder = new PortForwarder("test/grpc", async ct =>
        {
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, port, ct);
            return client.GetStream();
        }, NullLogger.Instance);
        using var channel = GrpcChannel.ForAddress(forwarder.Address);

        var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        await app.StopAsync();
    }

    private static async Task EchoAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var socket = await listener.AcceptTcpClientAsync();
                _ = Task.Run(async () =>
                {
                    using (socket)
                    {
                        try
                        {
                            await socket.GetStream().CopyToAsync(socket.GetStream());
                        }
                        catch (IOException)
                        {
                        }
                    }
                });
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int length)
    {
        var buffer = new byte[length];
        await stream.ReadExactlyAsync(buffer);
        return buffer;
    }

    private static async Task<int> ReadOrResetAsync(Stream stream, byte[] buffer)
    {
        try
        {
            return await stream.ReadAsync(buffer);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Hoist.Backends.Kubernetes;
using Hoist.Client;
using Hoist.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Hoist.Manifests;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// A worker reached through a tunnel the gRPC channel opens per connection (its connect callback), as a
/// port-forward is. A tunnel that cannot be opened, or that the kubelet refuses before the worker said a word, is
/// a call never sent, which the client sends again (issue 16, item 14: the first call after a pod was replaced).
/// </summary>
public sealed class TunnelTests
{
    private static readonly byte[] Port50051 = [0x43, 0xC3];

    // What the API server sends when the kubelet cannot reach the pod's port (a replaced pod's old address, a
    // worker not listening yet): each channel's port, the error text on channel 1, then the close.
    private static readonly byte[][] RefusedFrames =
    [
        [PortForwardDecoder.DataChannel, .. Port50051],
        [PortForwardDecoder.ErrorChannel, .. Port50051],
        [PortForwardDecoder.ErrorChannel, .. Encoding.UTF8.GetBytes(
            "error forwarding port 50051 to pod 5e1c3b0f2a9d8e7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c, uid : failed to execute portforward in network namespace "
            + "\"/var/run/netns/cni-8f3e2a1b-7c6d-5e4f-3a2b-1c0d9e8f7a6b\": failed to connect to localhost:50051 inside namespace \"5e1c3b0f2a9d\", "
            + "IPv4: dial tcp4 127.0.0.1:50051: connect: connection refused IPv6 dial tcp6 [::1]:50051: connect: connection refused ")],
    ];

    [Fact]
    public async Task Grpc_WorksThroughATunnelTheChannelOpens()
    {
        await using var server = await HealthServer.StartAsync();
        var tunnels = 0;
        using var endpoint = new WorkerEndpoint("probe", "probe-0", 0, new Uri("http://probe-0.ml.port-forward:50051"), "token", connect: async ct =>
        {
            Interlocked.Increment(ref tunnels);
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, server.Port, ct);
            return client.GetStream();
        });

        var client = new Health.HealthClient(endpoint.Channel);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10))).Status);
        }

        Assert.Equal(1, tunnels); // one HTTP/2 connection carries every call
    }

    [Fact]
    public async Task ATunnelThatCannotBeOpened_IsACallNeverSent()
    {
        using var endpoint = new WorkerEndpoint("probe", "probe-0", 0, new Uri("http://probe-0.ml.port-forward:50051"), "token",
            connect: _ => ValueTask.FromException<Stream>(new WorkerNotReachedException("No port-forward to ml/app.kubernetes.io/name=probe:50051 could be opened after 3 attempts: No ready pod")));

        var error = await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(endpoint.Channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.True(WorkerEndpoint.IsConnectionRefused(error));
    }

    [Fact]
    public async Task ATunnelTheKubeletRefuses_IsRefusedWhileConnecting_SoTheCallIsNeverSent()
    {
        using var endpoint = new WorkerEndpoint("probe", "probe-0", 0, new Uri("http://probe-0.ml.port-forward:50051"), "token", connect: async ct =>
        {
            var stream = new PodPortStream(new RecordedWebSocket(RefusedFrames), "pod ml/probe-7d9f:50051");
            await stream.ProbeAsync(WorkerConnector.RefusalGrace, TimeProvider.System, ct);
            return stream;
        });

        var error = await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(endpoint.Channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.True(WorkerEndpoint.IsConnectionRefused(error), error.ToString());
    }

    [Fact]
    public async Task AQuietTunnel_IsTakenAsOpen_AfterTheGrace_AndKeepsItsPendingReceive()
    {
        var socket = new RecordedWebSocket(holdOpen: true, [PortForwardDecoder.DataChannel, .. Port50051], [PortForwardDecoder.ErrorChannel, .. Port50051]);
        await using var stream = new PodPortStream(socket, "pod ml/probe-7d9f:50051");

        await stream.ProbeAsync(TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None);

        var read = stream.ReadAsync(new byte[16]).AsTask();
        Assert.False(read.IsCompleted);
        socket.Dispose(); // the far end goes: the read waiting since the probe ends
        Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task RecordedRefusal_EndsTheStream_AsNotReached_QuotingTheKubelet()
    {
        await using var stream = new PodPortStream(new RecordedWebSocket(RefusedFrames), "pod ml/probe-7d9f:50051");

        var error = await Assert.ThrowsAsync<WorkerNotReachedException>(() => stream.ReadAsync(new byte[64]).AsTask());

        Assert.Contains("pod ml/probe-7d9f:50051", error.Message, StringComparison.Ordinal);
        Assert.Contains("connect: connection refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnErrorAfterTheWorkerSpoke_IsABrokenConnection_NotANeverSentCall()
    {
        await using var stream = new PodPortStream(
            new RecordedWebSocket([PortForwardDecoder.DataChannel, .. Port50051, 0, 0, 0, 4], [PortForwardDecoder.ErrorChannel, .. Port50051, .. "lost connection to pod"u8.ToArray()]),
            "pod ml/probe-7d9f:50051");

        Assert.Equal(4, await stream.ReadAsync(new byte[64]));
        var error = await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[64]).AsTask());
        Assert.IsNotType<WorkerNotReachedException>(error);
    }

    [Fact]
    public void PortForwardAuthority_NamesWhereTheTunnelGoes()
    {
        var route = new PortForwardRoute(0, "embed-00002", "knative-serving", null, "app=activator", 8013);

        Assert.Equal(new Uri("http://embed-00002.knative-serving.port-forward:8013"), WorkerConnector.Authority(route));
    }

    private sealed class HealthServer(WebApplication app, int port) : IAsyncDisposable
    {
        public int Port => port;

        public static async Task<HealthServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            var health = new HealthServiceImpl();
            health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
            builder.Services.AddSingleton(health);
            var app = builder.Build();
            app.MapGrpcService<HealthServiceImpl>();
            await app.StartAsync();
            return new HealthServer(app, new Uri(app.Urls.First()).Port);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

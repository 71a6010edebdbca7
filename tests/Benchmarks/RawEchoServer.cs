using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Hoist.Benchmarks.Raw;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hoist.Benchmarks;

/// <summary>The baseline server, run as a child process of the benchmark exactly like a Hoist worker.</summary>
internal static class RawEchoServer
{
    public const string Argument = "--raw-echo-server";

    /// <param name="socketPath">Also serve on this Unix domain socket, for the transport baseline.</param>
    public static async Task RunAsync(int port, int pingPort, string? socketPath = null)
    {
        // Beside it, the least a process can do to answer: a one-byte ping over a plain socket, on a thread of
        // its own. What four of these cost against one is this machine's floor for any fan-out.
        var ping = new TcpListener(IPAddress.Loopback, pingPort);
        ping.Start();
        new Thread(() =>
        {
            using var socket = ping.AcceptSocket();
            socket.NoDelay = true;
            var buffer = new byte[1];
            while (socket.Receive(buffer) > 0)
            {
                socket.Send(buffer);
            }
        })
        { IsBackground = true }.Start();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2);
            if (socketPath is not null)
            {
                File.Delete(socketPath);
                k.ListenUnixSocket(socketPath, l => l.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 512 * 1024 * 1024;
            o.MaxSendMessageSize = null;
        });
        await using var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        Console.WriteLine("READY");

        // Exit with the parent: it closes our stdin.
        await Task.Run(() => Console.In.ReadToEnd());
        await app.StopAsync();
        if (socketPath is not null)
        {
            File.Delete(socketPath);
        }
    }

    private sealed class EchoService : RawEcho.RawEchoBase
    {
        public override Task<RawMessage> Echo(RawMessage request, ServerCallContext context) => Task.FromResult(request);

        public override async Task Stream(RawStreamRequest request, IServerStreamWriter<RawMessage> responseStream, ServerCallContext context)
        {
            for (var i = 0; i < request.Count; i++)
            {
                await responseStream.WriteAsync(new RawMessage { Text = request.Text }, context.CancellationToken);
            }
        }
    }
}

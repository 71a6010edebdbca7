using System.Buffers.Binary;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Hoist.Protocol;
using Hoist.Transport;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// A local worker's call socket (src/Wire/Transport/CallSocket.cs), on real worker processes: the proxies' calls ride
/// it, a connection is admitted by its first frame alone, a caller that goes away cancels its calls, and a bad frame
/// ends only the connection that sent it.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class CallSocketTests(HoistFixture fixture)
{
    private TestApp.Probe.RemoteProxy Probe => TestApp.Probe.Remote.WithInvoker(fixture.Client);

    [Fact]
    public async Task ALocalWorker_ListensOnItsCallSocket_AndAnswersACallStreamOverIt()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");
        var path = CallSocket.PathFor(endpoint.SocketPath!);

        Assert.NotNull(path);
        Assert.True(File.Exists(path), $"no call socket at {path}");
        using var calls = new CallStream(CallSocket.Open(path, Token(endpoint)), readsBlock: true);
        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => calls.InvokeAsync(EchoRequest($"call {i}", (ulong)i), deadline: null, int.MaxValue, CancellationToken.None)));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"call {i}"), answers.Select(a => Serialization.Payload.Deserialize<string>(a.Result.Span)));
    }

    [Fact]
    public async Task AConnectionWithoutTheToken_IsRefusedAsCallZero_AndClosedWithNothingElseRead()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");
        var pid = await Probe.ProcessIdAsync();
        using var socket = Connect(endpoint);

        // A wrong token, and a call right behind it in the same write: the call is never run.
        Send(socket, new CallFrame { Token = "guess" }, new CallFrame { Invoke = EchoRequest("sneaked in", 1) });
        var refusal = Read(socket);

        Assert.Equal(0UL, refusal.CallId);
        Assert.Equal((int)StatusCode.PermissionDenied, refusal.Refusal.StatusCode);
        Assert.Contains("did not carry this deployment's token", refusal.Refusal.Detail, StringComparison.Ordinal);
        Assert.Equal(0, socket.Receive(new byte[16])); // closed after the refusal, with no answer to call 1
        Assert.Equal(pid, await Probe.ProcessIdAsync());
    }

    [Fact]
    public async Task ACallerThatGoesAway_CancelsTheCallsItLeftRunning()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");
        var marker = Path.Combine(Path.GetTempPath(), $"hoist-callsocket-{Guid.NewGuid():N}");
        try
        {
            var calls = new CallStream(CallSocket.Open(CallSocket.PathFor(endpoint.SocketPath!)!, Token(endpoint)), readsBlock: true);
            var request = new InvokeRequest { Method = "WaitForCancellationAsync", CallId = 7, Payload = ByteString.CopyFrom(Serialization.Payload.Serialize(marker).Span) };
            var call = calls.InvokeAsync(request, deadline: null, int.MaxValue, CancellationToken.None);
            await Eventually.Async(() => File.Exists(marker) && File.ReadAllText(marker) == "started", "the worker to start waiting");

            calls.Dispose(); // the connection closes, as it does when the caller's process dies

            await Assert.ThrowsAnyAsync<Exception>(() => call);
            await Eventually.Async(() => File.ReadAllText(marker) == "cancelled", "the worker's CancellationToken to fire");
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task AFrameOverTheLimit_EndsOnlyItsOwnConnection()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");
        var pid = await Probe.ProcessIdAsync();
        using var socket = Connect(endpoint);
        Send(socket, new CallFrame { Token = Token(endpoint) });

        // Only the length of a 1 GiB frame: refused from its prefix, before a byte of it is buffered.
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, 1u << 30);
        socket.Send(prefix);

        socket.ReceiveTimeout = 10_000;
        Assert.Equal(0, socket.Receive(new byte[16]));
        Assert.Equal(pid, await Probe.ProcessIdAsync());
        Assert.Equal("still serving", await Probe.EchoAsync("still serving"));
    }

    private static string Token(WorkerEndpoint endpoint) => endpoint.Headers.GetValue(WorkerProtocol.TokenHeader)!;

    private static Socket Connect(WorkerEndpoint endpoint)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 10_000 };
        socket.Connect(new UnixDomainSocketEndPoint(CallSocket.PathFor(endpoint.SocketPath!)!));
        return socket;
    }

    private static void Send(Socket socket, params CallFrame[] frames)
    {
        var bytes = new MemoryStream();
        foreach (var frame in frames)
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)frame.CalculateSize());
            bytes.Write(prefix);
            frame.WriteTo(bytes);
        }

        socket.Send(bytes.ToArray());
    }

    private static CallResult Read(Socket socket)
    {
        var reader = new FrameReader<CallResult>(socket, CallResult.Parser, 1024 * 1024);
        Assert.True(reader.MoveNext(CancellationToken.None).GetAwaiter().GetResult(), "the connection closed without an answer");
        return reader.Current;
    }

    private static InvokeRequest EchoRequest(string text, ulong callId) =>
        new() { Method = "Echo", CallId = callId, Payload = ByteString.CopyFrom(Serialization.Payload.Serialize(text).Span) };
}

using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Hoist.Protocol;
using Hoist.TestApp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.EndToEnd.Tests;

[Collection(WorkersCollection.Name)]
public sealed class FailureTests(HoistFixture fixture)
{
    private Probe.RemoteProxy Probe => TestApp.Probe.Remote.WithInvoker(fixture.Client);

    [Fact]
    public async Task KilledWorker_FailsItsCallWithin2Seconds_NamingTheService()
    {
        var victim = Victim.Remote.WithInvoker(fixture.Client);
        var pid = await victim.ProcessIdAsync();
        var call = victim.HangAsync();
        await Task.Delay(200);

        var killed = Stopwatch.StartNew();
        Process.GetProcessById(pid).Kill();
        var error = await Assert.ThrowsAsync<WorkerLostException>(() => call);
        killed.Stop();

        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(2), $"the call failed {killed.Elapsed} after the kill");
        Assert.Equal("victim", error.Service);
        Assert.Contains("'victim'", error.Message, StringComparison.Ordinal);

        // The next call gets a fresh worker.
        Assert.NotEqual(pid, await victim.ProcessIdAsync());
    }

    [Fact]
    public async Task CallsWithoutTheToken_AreRefused_AndTheWorkerKeepsServing()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");
        using var channel = Transport.WorkerChannels.Create(endpoint.Address, endpoint.SocketPath);
        var raw = new Protocol.Worker.WorkerClient(channel);
        var request = EchoRequest("hi");

        var missing = await Assert.ThrowsAsync<RpcException>(() => raw.InvokeAsync(request).ResponseAsync);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => raw.InvokeAsync(request, new Metadata { { "x-hoist-token", "guess" } }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, missing.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, wrong.StatusCode);
        Assert.Contains("probe", missing.Status.Detail, StringComparison.Ordinal);
        var answer = await raw.InvokeAsync(request, endpoint.Headers).ResponseAsync;
        Assert.Equal("hi", Serialization.Payload.Deserialize<string>(answer.Result.Span));
    }

    [Fact]
    public async Task MalformedAndUnknownCalls_AreRefused_AndTheWorkerKeepsServing()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");
        var pid = await Probe.ProcessIdAsync();

        var malformed = await Assert.ThrowsAsync<RpcException>(() => endpoint.Client.InvokeAsync(
            new InvokeRequest { Method = "Echo", Payload = ByteString.CopyFrom(0xFF, 0xFF, 0xFF) }, endpoint.Headers).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => endpoint.Client.InvokeAsync(
            new InvokeRequest { Method = "NoSuchMethod" }, endpoint.Headers).ResponseAsync);
        var trailing = await Assert.ThrowsAsync<RpcException>(() => endpoint.Client.InvokeAsync(
            new InvokeRequest { Method = "ProcessId", Payload = ByteString.CopyFrom(1, 2, 3) }, endpoint.Headers).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Contains("probe/Echo", malformed.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unimplemented, unknown.StatusCode);
        Assert.Contains("NoSuchMethod", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, trailing.StatusCode);
        Assert.Equal(pid, await Probe.ProcessIdAsync());
    }

    [Fact]
    public async Task OversizedInlineRequest_IsRefusedWithResourceExhausted_AndTheWorkerKeepsServing()
    {
        // Inline, as over TCP or without shared memory: arguments in shared memory are bounded by /dev/shm instead.
        await using var app = await HoistApplication.StartAsync([], o =>
        {
            o.MaxRequestBytes = HoistFixture.MaxRequestBytes;
            o.Local.SharedMemoryThreshold = 0;
        });
        var probe = TestApp.Probe.Remote.WithInvoker(app.Client);
        var pid = await probe.ProcessIdAsync();

        var error = await Assert.ThrowsAsync<CallRejectedException>(() => probe.EchoAsync(new string('x', HoistFixture.MaxRequestBytes + 1)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("probe", error.Service);
        Assert.Equal(pid, await probe.ProcessIdAsync());
    }

    [Fact]
    public async Task WorkerThatIsNotReadyInTime_FailsWithItsStderr()
    {
        var started = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<WorkerLaunchException>(() => SlowStart.Remote.WithInvoker(fixture.Client).PingAsync());

        Assert.Equal("slow-start", error.Service);
        Assert.Contains("launch timeout of 5 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("loading a very large model...", error.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"the launch failed after {started.Elapsed}");
    }

    [Fact]
    public async Task WorkerThatCrashesAtStart_FailsWithItsStderrAndExitCode()
    {
        var error = await Assert.ThrowsAsync<WorkerLaunchException>(() => BrokenStart.Remote.WithInvoker(fixture.Client).PingAsync());

        Assert.Equal("broken-start", error.Service);
        Assert.Contains("the model file is missing", error.Output, StringComparison.Ordinal);
        Assert.Equal(1, error.ExitCode);
    }

    [Fact]
    public async Task WorkerThatCrashesAtStart_ShowsItsStackTraceOnce()
    {
        var captured = new CapturingLoggerProvider();
        var app = await HoistApplication.StartAsync([], builder =>
        {
            builder.Logging.AddProvider(captured);
            builder.AddHoist();
        });
        await using (app)
        {
            await Assert.ThrowsAsync<WorkerLaunchException>(() => BrokenStart.Remote.WithInvoker(app.Client).PingAsync());
        }

        // The worker's stderr, forwarded line by line as it came; the launch failure's own line says why, and the
        // exception the call gets quotes the stderr for the app.
        Assert.Single(captured.Lines, l => l.Text.Contains("at Hoist.TestApp.BrokenStart..ctor()", StringComparison.Ordinal));
        Assert.Contains(captured.Lines, l => l.Message.EndsWith("failed to launch: it exited with code 1 before it was ready.", StringComparison.Ordinal));
    }

    private static InvokeRequest EchoRequest(string text) =>
        new() { Method = "Echo", Payload = ByteString.CopyFrom(Serialization.Payload.Serialize(text).Span) };
}

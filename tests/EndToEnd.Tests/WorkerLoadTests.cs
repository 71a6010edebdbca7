using Google.Protobuf;
using Grpc.Core;
using Hoist.Client;
using Hoist.Protocol;
using Hoist.TestApp;
using Hoist.Transport;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// GetLoad, read over real gRPC without the deployment's token, as the in-cluster controller reads it: every call
/// path counts while its call runs, and the worker says when it last went idle.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class WorkerLoadTests(HoistFixture fixture)
{
    [Fact]
    public async Task GetLoad_CountsAUnaryCall_WhileItRuns_WithoutAToken()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");
        var before = await IdleLoadAsync(endpoint);
        var started = DateTimeOffset.UtcNow;

        // Unary Invoke, which a local caller's proxy does not use (it rides the call stream): sent as a pod's caller sends it.
        using var call = endpoint.Client.InvokeAsync(Delay(1_500), endpoint.Headers);
        await EventuallyInFlightAsync(endpoint, 1);
        var during = await LoadAsync(endpoint);
        Assert.Equal(InvokeResponse.OutcomeOneofCase.Result, (await call.ResponseAsync).OutcomeCase);
        var after = await LoadAsync(endpoint);

        Assert.Equal(before.CallsStarted + 1, during.CallsStarted);
        Assert.Equal(0, after.InFlight);
        Assert.Equal(during.CallsStarted, after.CallsStarted);
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(after.IdleSinceUnixMs), started.AddMilliseconds(1_000), DateTimeOffset.UtcNow);
        Assert.Equal(("probe", endpoint.Replica, false), (after.Service, after.Replica, after.HasRank));

        // The same channel without the token is still refused a call: only GetLoad is open.
        var refused = await Assert.ThrowsAsync<RpcException>(() => endpoint.Client.InvokeAsync(new InvokeRequest { Method = "ProcessId" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }

    [Fact]
    public async Task GetLoad_CountsAStreamedMethod_UntilItsLastItem()
    {
        var endpoint = await fixture.EndpointOfAsync("streams");
        var before = await IdleLoadAsync(endpoint);

        await using var items = Streams.Remote.WithInvoker(fixture.Client).CountAsync(3, 400).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());
        var during = await LoadAsync(endpoint);
        while (await items.MoveNextAsync())
        {
        }

        Assert.Equal((1, before.CallsStarted + 1), (during.InFlight, during.CallsStarted));
        await EventuallyInFlightAsync(endpoint, 0);
    }

    [Fact]
    public async Task GetLoad_CountsEachFrameOfACallStream()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");
        var before = await IdleLoadAsync(endpoint);

        using var stream = endpoint.Client.InvokeStream(endpoint.Headers);
        foreach (var id in new ulong[] { 1, 2 })
        {
            await stream.RequestStream.WriteAsync(new CallFrame
            {
                Invoke = Delay(1_500, id),
            });
        }

        await EventuallyInFlightAsync(endpoint, 2);
        Assert.Equal(before.CallsStarted + 2, (await LoadAsync(endpoint)).CallsStarted);
        await stream.RequestStream.CompleteAsync();
        var answered = 0;
        while (await stream.ResponseStream.MoveNext(CancellationToken.None))
        {
            Assert.Equal(InvokeResponse.OutcomeOneofCase.Result, stream.ResponseStream.Current.Response.OutcomeCase);
            answered++;
        }

        Assert.Equal(2, answered);
        await EventuallyInFlightAsync(endpoint, 0);
    }

    private static InvokeRequest Delay(int milliseconds, ulong callId = 1) =>
        new() { CallId = callId, Method = nameof(Probe.DelayAsync), Json = true, Payload = ByteString.CopyFromUtf8($"[{milliseconds}]") };

    // No headers: the controller that reads it holds no token.
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Worker_LoadsOpenSsl_OnlyWhenGetLoadFirstAsksForItsContractDigest()
    {
        // A worker that serves calls but was never asked GetLoad holds no libcrypto (about 5 MiB resident): SHA-256 of the
        // contract digest is computed on first use.
        var endpoint = await fixture.EndpointOfAsync("arrays");
        var pid = await Arrays.Remote.WithInvoker(fixture.Client).ProcessIdAsync();
        Assert.DoesNotContain("libcrypto", await File.ReadAllTextAsync($"/proc/{pid}/maps"), StringComparison.Ordinal);

        var load = await LoadAsync(endpoint);

        Assert.Matches("^[0-9a-f]{16}$", load.WireContract);
        Assert.Contains("libcrypto", await File.ReadAllTextAsync($"/proc/{pid}/maps"), StringComparison.Ordinal);
    }

    private static async Task<WorkerLoad> LoadAsync(WorkerEndpoint endpoint) =>
        await endpoint.Client.GetLoadAsync(new GetLoadRequest(), deadline: DateTime.UtcNow.AddSeconds(5));

    /// <summary>The load once calls other tests of the collection left have ended.</summary>
    private static async Task<WorkerLoad> IdleLoadAsync(WorkerEndpoint endpoint)
    {
        await EventuallyInFlightAsync(endpoint, 0);
        return await LoadAsync(endpoint);
    }

    private static async Task EventuallyInFlightAsync(WorkerEndpoint endpoint, int inFlight)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await LoadAsync(endpoint)).InFlight != inFlight)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {inFlight} call(s) in flight on {endpoint.Replica}.");
            await Task.Delay(20);
        }
    }
}

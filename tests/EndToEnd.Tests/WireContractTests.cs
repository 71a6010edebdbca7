using Hoist.Dispatch;
using Hoist.Serialization;
using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// A call whose proxy was built against another wire contract than the worker's code is refused before the worker
/// reads its arguments, on every call path; a call by name with JSON arguments is checked by the worker's JSON
/// reading instead, which refuses rather than computes on defaults.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class WireContractTests(HoistFixture fixture)
{
    // A fingerprint no build of these methods has: what a proxy of another build of the method would send.
    private const ulong OtherBuild = 0x0123456789ABCDEFUL;

    private Probe.RemoteProxy Probe => TestApp.Probe.Remote.WithInvoker(fixture.Client);

    [Fact]
    public async Task UnaryCall_WithAnotherWireContract_IsRefusedBeforeItRuns_NamingTheMethod()
    {
        var before = await Probe.CountCallsAsync();

        var error = await Assert.ThrowsAsync<WireContractMismatchException>(() =>
            fixture.Client.InvokeAsync<int>(new RemoteMethod("probe", "CountCalls", OtherBuild), new PayloadWriter(), RemoteCallOptions.Default, CancellationToken.None));

        var own = WireContract.Find(fixture.Client.Describe("probe").WireContracts, "CountCalls")!;
        Assert.Equal("probe", error.Service);
        Assert.Equal(own, error.Worker);
        Assert.Equal(OtherBuild, error.Caller.Fingerprint);
        Assert.Contains("refused the call to 'CountCalls'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the worker runs a different build of CountCalls() -> int [raw]", error.Message, StringComparison.Ordinal);
        Assert.Contains("Restart the app to pick up the new proxy", error.Message, StringComparison.Ordinal);

        // Nothing ran: the next call through the proxy of this build counts one more than the last, and is answered.
        Assert.Equal(before + 1, await Probe.CountCallsAsync());
    }

    [Fact]
    public async Task CallWithSharedMemoryArguments_WithAnotherWireContract_IsRefusedBeforeTheRegionIsRead()
    {
        var arguments = new PayloadWriter();
        arguments.Write(new float[64 * 1024]);
        arguments.Write(2f);

        await Assert.ThrowsAsync<WireContractMismatchException>(() =>
            fixture.Client.InvokeAsync<float[]>(new RemoteMethod("probe", "Scale", OtherBuild), arguments, RemoteCallOptions.Default, CancellationToken.None));

        Assert.Equal(new[] { 2f, 4f }, await Probe.ScaleAsync([1f, 2f], 2f));
    }

    [Fact]
    public async Task StreamingCall_WithAnotherWireContract_IsRefusedBeforeTheFirstItem()
    {
        var arguments = new PayloadWriter();
        arguments.Write(3);
        arguments.Write(0);
        var items = fixture.Client.InvokeStreamingAsync<int>(new RemoteMethod("streams", "Count", OtherBuild), arguments, RemoteCallOptions.Default, CancellationToken.None);

        var error = await Assert.ThrowsAsync<WireContractMismatchException>(async () =>
        {
            await foreach (var _ in items)
            {
                Assert.Fail("No item may arrive from a call the worker refused.");
            }
        });

        Assert.Equal("Count", error.Worker.Method);
        Assert.Equal(new[] { 0, 1, 2 }, await TestApp.Streams.Remote.WithInvoker(fixture.Client).CountAsync(3, 0).ToArrayAsync());
    }

    [Fact]
    public async Task DistributedFanOut_WithAnotherWireContract_IsRefusedByEveryRank()
    {
        var error = await Assert.ThrowsAsync<DistributedCallException>(() =>
            fixture.Client.InvokeAllAsync<int>(new RemoteMethod("spmd-group", "RankAfterDelayAsync", OtherBuild), new PayloadWriter(), RemoteCallOptions.Default, CancellationToken.None));

        Assert.NotEmpty(error.Failures);
        Assert.All(error.Failures, failure => Assert.IsType<WireContractMismatchException>(failure.Exception));
        Assert.Equal(new[] { 0, 1, 2 }, await SpmdGroup.Remote.WithInvoker(fixture.Client).RankAfterDelayAsync());
    }

    [Fact]
    public async Task GetLoad_ReportsTheDigestOfTheWorkersContracts_WithoutAToken()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");

        var load = await new Protocol.Worker.WorkerClient(endpoint.Channel).GetLoadAsync(new Protocol.GetLoadRequest()).ResponseAsync;

        Assert.Equal(WireContract.Digest(fixture.Client.Describe("probe").WireContracts), load.WireContract);
        Assert.Matches("^[0-9a-f]{16}$", load.WireContract);
    }

    [Fact]
    public async Task JsonCallByName_RefusesAnUnknownMember_AMissingOne_AndANullTheTypeDoesNotAllow()
    {
        const string Line = """{ "Sku": "a", "Quantity": 2, "UnitPrice": 1.5 }""";
        var ok = await fixture.Client.InvokeJsonAsync("quote", "PriceAsync", $$"""[{ "Id": "o-1", "Lines": [{{Line}}], "Note": null }]""");
        Assert.Contains("\"Total\":3.0", ok, StringComparison.Ordinal);

        // An old caller's member name (Left for a member now called A) must not leave A at its default.
        var unknown = await Assert.ThrowsAsync<CallRejectedException>(() =>
            fixture.Client.InvokeJsonAsync("quote", "PriceAsync", """[{ "Id": "o-1", "Lines": [{ "Sku": "a", "Qty": 2, "Quantity": 2, "UnitPrice": 1.5 }], "Note": null }]"""));
        var missing = await Assert.ThrowsAsync<CallRejectedException>(() =>
            fixture.Client.InvokeJsonAsync("quote", "PriceAsync", """[{ "Id": "o-1", "Lines": [{ "Sku": "a", "UnitPrice": 1.5 }], "Note": null }]"""));
        var nulled = await Assert.ThrowsAsync<CallRejectedException>(() =>
            fixture.Client.InvokeJsonAsync("quote", "PriceAsync", $$"""[{ "Id": null, "Lines": [{{Line}}], "Note": null }]"""));

        Assert.All([unknown, missing, nulled], error => Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode));
        Assert.Contains("Qty", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("Quantity", missing.Message, StringComparison.Ordinal);
        Assert.Contains("Id", nulled.Message, StringComparison.Ordinal);
    }
}

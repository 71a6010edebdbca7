using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

[Collection(WorkersCollection.Name)]
public sealed class CallTests(HoistFixture fixture)
{
    private Arithmetic.RemoteProxy Arithmetic => TestApp.Arithmetic.Remote.WithInvoker(fixture.Client);

    private Probe.RemoteProxy Probe => TestApp.Probe.Remote.WithInvoker(fixture.Client);

    [Fact]
    public async Task StaticMethodServices_RoundTrip_InAnotherProcess()
    {
        Assert.Equal(5, await Arithmetic.AddAsync(2, 3));

        var order = new Order("o-7", [new Line("apple", 3, 0.5m), new Line("pear", 2, 1.25m)], Note: null);
        var quote = await Arithmetic.PriceAsync(order);

        Assert.Equal("o-7", quote.OrderId);
        Assert.Equal(4.0m, quote.Total);
        Assert.NotEqual(Environment.ProcessId, quote.WorkerProcessId);
    }

    [Fact]
    public async Task ClassService_RoundTripsEveryShape()
    {
        Assert.Equal("héllo", await Probe.EchoAsync("héllo"));
        Assert.Equal(new[] { 2f, 4f, 6f }, await Probe.ScaleAsync([1f, 2f, 3f], 2f));
        Assert.Null(await Probe.MaybeAsync(null));
        Assert.Equal(6, await Probe.MaybeAsync(3));
        Assert.Equal("done", await Probe.DelayAsync(1));
        Assert.NotEqual(Environment.ProcessId, await Probe.ProcessIdAsync());
    }

    [Fact]
    public async Task ClassService_KeepsOneInstancePerWorker()
    {
        var first = await Probe.CountCallsAsync();
        var second = await Probe.CountCallsAsync();

        Assert.Equal(first + 1, second);
    }

    [Fact]
    public async Task RemoteException_CarriesTypeMessageStackServiceAndReplica()
    {
        var error = await Assert.ThrowsAsync<RemoteException>(() => Probe.FailAsync("the order is empty"));

        Assert.Equal("System.InvalidOperationException", error.RemoteType);
        Assert.Equal("the order is empty", error.RemoteMessage);
        Assert.Contains("Probe.Fail", error.RemoteStackTrace, StringComparison.Ordinal);
        Assert.Equal("probe", error.Service);
        Assert.StartsWith("probe-", error.Replica, StringComparison.Ordinal);
        Assert.Null(error.Rank);
        Assert.Contains("the order is empty", error.Message, StringComparison.Ordinal);
        var inner = Assert.IsType<RemoteException>(error.InnerException);
        Assert.Equal("System.ArgumentException", inner.RemoteType);

        // The worker is still there and serving.
        Assert.Equal("ok", await Probe.EchoAsync("ok"));
    }

    [Fact]
    public async Task Cancellation_FiresTheWorkersToken()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"hoist-cancel-{Guid.NewGuid():N}");
        using var cancellation = new CancellationTokenSource();
        try
        {
            var call = Probe.WaitForCancellationAsync(marker, cancellation.Token);
            await Eventually.Async(() => File.Exists(marker) && File.ReadAllText(marker) == "started", "the worker to start waiting");

            await cancellation.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            await Eventually.Async(() => File.ReadAllText(marker) == "cancelled", "the worker's CancellationToken to fire");
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task Deadline_FailsTheCall_AndCancelsTheWorker()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HoistTimeoutException>(
            () => Probe.WithTimeout(TimeSpan.FromMilliseconds(300)).DelayAsync(30_000));

        Assert.Equal("probe", error.Service);
        Assert.Equal(TimeSpan.FromMilliseconds(300), error.Timeout);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"the deadline took {started.Elapsed} to fail the call");
        Assert.Equal("still serving", await Probe.EchoAsync("still serving"));
    }

    [Fact]
    public async Task Deadline_CoversTheLaunch_AndSaysWhereTheTimeWent()
    {
        // A fresh setup cache, so the "sleep 3" step really runs before the worker starts.
        var cache = Directory.CreateTempSubdirectory("hoist-setup-cache-");
        var app = await HoistApplication.StartAsync([], o => o.Local.SetupCacheFolder = cache.FullName);
        try
        {
            await using (app)
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                var error = await Assert.ThrowsAsync<HoistTimeoutException>(
                    () => SlowLaunch.Remote.WithInvoker(app.Client).WithTimeout(TimeSpan.FromMilliseconds(500)).PingAsync());

                Assert.True(started.Elapsed < TimeSpan.FromSeconds(2.5), $"a 500ms deadline on a 3s launch failed the call after {started.Elapsed}");
                Assert.Equal("slow-launch", error.Service);
                Assert.Contains("deadline of 500ms: no worker ready yet: launch in progress", error.Message, StringComparison.Ordinal);

                // The launch goes on for the calls that can wait.
                Assert.Equal(1, await SlowLaunch.Remote.WithInvoker(app.Client).PingAsync());
            }
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ConfiguredCallTimeout_AppliesWithoutAnExplicitDeadline()
    {
        var app = await HoistApplication.StartAsync([], o => o.Services["probe"] = new ServiceOverrides { CallTimeout = TimeSpan.FromMilliseconds(300) });
        await using (app)
        {
            await Assert.ThrowsAsync<HoistTimeoutException>(() => TestApp.Probe.Remote.WithInvoker(app.Client).DelayAsync(30_000));
        }
    }

    [Fact]
    public async Task JsonInvocation_CallsAMethodKnownOnlyByName()
    {
        Assert.Equal("5", await fixture.Client.InvokeJsonAsync("add", "Add", "[2, 3]"));
        Assert.Equal("9", await fixture.Client.InvokeJsonAsync("add", "Add", """{ "b": 4, "a": 5 }"""));

        var quote = await fixture.Client.InvokeJsonAsync("quote", "PriceAsync", """[{ "Id": "o-1", "Lines": [{ "Sku": "a", "Quantity": 2, "UnitPrice": 1.5 }], "Note": null }]""");
        Assert.Contains("\"Total\":3.0", quote, StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<CallRejectedException>(() => fixture.Client.InvokeJsonAsync("add", "Add", """["two", 3]"""));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Argument 'a'", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.InvokeJsonAsync("add", "Subtract", "[]"));
    }
}

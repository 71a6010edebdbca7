using System.Diagnostics;
using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

[Collection(WorkersCollection.Name)]
public sealed class StreamingTests(HoistFixture fixture)
{
    private Streams.RemoteProxy Streams => TestApp.Streams.Remote.WithInvoker(fixture.Client);

    [Fact]
    public async Task Stream_YieldsEveryItemInOrder_AsTheWorkerYieldsThem()
    {
        var items = new List<int>();
        var arrivals = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        await foreach (var item in Streams.CountAsync(5, 200))
        {
            items.Add(item);
            arrivals.Add(clock.Elapsed);
        }

        Assert.Equal([0, 1, 2, 3, 4], items);

        // Each item arrived when it was yielded, not all at the end: the first long before the last.
        Assert.True(arrivals[^1] - arrivals[0] > TimeSpan.FromMilliseconds(600), $"items arrived at {string.Join(", ", arrivals)}");
    }

    [Fact]
    public async Task SlowConsumer_HoldsTheProducerBack()
    {
        var tag = Guid.NewGuid().ToString("N");
        const int count = 2000, size = 64 * 1024;
        var read = 0;
        await foreach (var item in Streams.ProduceAsync(tag, count, size))
        {
            Assert.Equal(size, item.Length);
            if (++read == 1)
            {
                // A reader that stops: the worker may run ahead by the HTTP/2 windows (a few items here), not by the
                // whole stream of 125 MiB.
                await Task.Delay(1500);
                var yielded = await Streams.YieldedAsync(tag);
                Assert.True(yielded < 100, $"the worker yielded {yielded} of {count} items of {size} bytes while the reader held one");
            }

            if (read == 3)
            {
                break;
            }
        }

        await WhenCancelledAsync(tag, "after the early break");
    }

    [Fact]
    public async Task CallerCancellation_FiresTheWorkersToken()
    {
        var tag = Guid.NewGuid().ToString("N");
        using var cancellation = new CancellationTokenSource();
        var read = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Streams.ProduceAsync(tag, 1_000_000, 16).WithCancellation(cancellation.Token))
            {
                if (++read == 10)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.Equal(10, read);
        await WhenCancelledAsync(tag, "after the caller cancelled");
    }

    [Fact]
    public async Task ExceptionMidStream_ArrivesAsRemoteException_AfterTheItemsYielded()
    {
        var items = new List<string>();
        var error = await Assert.ThrowsAsync<RemoteException>(async () =>
        {
            await foreach (var item in Streams.FailAfterAsync(3))
            {
                items.Add(item);
            }
        });

        Assert.Equal(["item 0", "item 1", "item 2"], items);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteType);
        Assert.Contains("failed after 3 items", error.Message, StringComparison.Ordinal);
        Assert.Equal("streams", error.Service);
    }

    [Fact]
    public async Task ByNameWithJson_EachItemArrivesAsJson_AsTheUnaryJsonCallDoes()
    {
        var numbers = new List<string>();
        await foreach (var item in fixture.Client.InvokeJsonStreamingAsync("streams", "Count", """{"count":3,"delayMilliseconds":0}"""))
        {
            numbers.Add(item);
        }

        var bytes = new List<string>();
        await foreach (var item in fixture.Client.InvokeJsonStreamingAsync("streams", "Produce", """["json",2,3]"""))
        {
            bytes.Add(item);
        }

        Assert.Equal(["0", "1", "2"], numbers);
        Assert.Equal(["\"AAAA\"", "\"AAAA\""], bytes);                          // byte[] as JSON writes it: base64

        // Malformed JSON arguments are refused before the method runs, as for a unary call.
        var refused = await Assert.ThrowsAsync<CallRejectedException>(async () =>
        {
            await foreach (var item in fixture.Client.InvokeJsonStreamingAsync("streams", "Count", """["three"]"""))
            {
            }
        });
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, refused.StatusCode);
    }

    [Fact]
    public async Task Deadline_CoversTheWholeStream()
    {
        var items = 0;
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<HoistTimeoutException>(async () =>
        {
            await foreach (var _ in Streams.WithTimeout(TimeSpan.FromMilliseconds(800)).CountAsync(1000, 20))
            {
                items++;
            }
        });

        // Items flowed until the deadline, which ended the stream rather than any one wait for an item.
        Assert.InRange(items, 5, 60);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the stream ended {clock.Elapsed} after it started");
    }

    [Fact]
    public async Task Stream_CountsAsOneCallInFlight_WhileItRuns()
    {
        await Streams.YieldedAsync("warm-up");
        var endpoint = await fixture.EndpointOfAsync("streams");
        var before = endpoint.InFlight;
        await foreach (var item in Streams.CountAsync(3, 100))
        {
            Assert.Equal(before + 1, endpoint.InFlight);
        }

        Assert.Equal(before, endpoint.InFlight);
    }

    [Fact]
    public async Task KilledWorker_FailsItsStreamWithin2Seconds()
    {
        var victim = StreamVictim.Remote.WithInvoker(fixture.Client);
        var killed = new Stopwatch();
        var received = 0;
        var pid = 0;
        var error = await Assert.ThrowsAsync<WorkerLostException>(async () =>
        {
            await foreach (var item in victim.PulseAsync())
            {
                if (++received == 1)
                {
                    pid = item;
                    killed.Start();
                    Process.GetProcessById(pid).Kill();
                }
            }
        });
        killed.Stop();

        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(2), $"the stream failed {killed.Elapsed} after the kill");
        Assert.Equal("stream-victim", error.Service);

        // The next stream gets a fresh worker.
        await foreach (var next in victim.PulseAsync())
        {
            Assert.NotEqual(pid, next);
            break;
        }
    }

    private async Task WhenCancelledAsync(string tag, string when)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await Streams.WasCancelledAsync(tag))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the worker's token did not fire {when}");
            await Task.Delay(20);
        }
    }
}

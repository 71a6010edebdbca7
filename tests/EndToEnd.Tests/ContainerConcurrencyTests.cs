using System.Diagnostics;
using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// [Autoscale(ContainerConcurrency = 1)] on real worker processes ("one-slot": one replica, one call at once): calls
/// beyond the limit wait at the worker and all run, one after another; a waiting call ends at its own cancellation or
/// deadline instead of waiting on, and the slot it never took is still there for the next call.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class ContainerConcurrencyTests
{
    [Fact]
    public async Task AReplica_RunsNoMoreCallsAtOnceThanItsLimit_TheOthersWait_AndAllAreAnswered()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.ForwardWorkerLogs = false);
        var slot = OneSlot.Remote.WithInvoker(app.Client);
        await slot.PeakAfterAsync(0);

        var elapsed = Stopwatch.StartNew();
        var peaks = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => slot.PeakAfterAsync(400)));

        Assert.All(peaks, peak => Assert.Equal(1, peak));
        Assert.True(elapsed.Elapsed >= TimeSpan.FromMilliseconds(1500), $"four 400 ms calls through one slot took {elapsed.ElapsedMilliseconds} ms");
        Assert.Equal(1, app.Client.GetStatus("one-slot")!.ReadyReplicas);
    }

    [Fact]
    public async Task ACallWaitingForASlot_EndsAtItsCancellationOrDeadline_AndTheNextCallRuns()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.ForwardWorkerLogs = false);
        var slot = OneSlot.Remote.WithInvoker(app.Client);
        await slot.PeakAfterAsync(0);

        var holder = slot.PeakAfterAsync(3000);
        await Task.Delay(300);
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var waited = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slot.PeakAfterAsync(10, giveUp.Token));
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"the cancelled call took {waited.ElapsedMilliseconds} ms");

        // A deadline ends a waiting call the same way, as the timeout it is.
        await Assert.ThrowsAsync<HoistTimeoutException>(() => slot.WithTimeout(TimeSpan.FromMilliseconds(300)).PeakAfterAsync(10));

        Assert.Equal(1, await holder);
        Assert.Equal(1, await slot.PeakAfterAsync(10));
    }
}

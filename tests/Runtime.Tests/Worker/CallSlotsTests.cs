using Hoist.Worker;

namespace Hoist.Runtime.Tests.Worker;

/// <summary>The worker's ContainerConcurrency gate: N at once, the rest wait in order, a waiting call's cancellation ends only its wait.</summary>
public sealed class CallSlotsTests
{
    [Fact]
    public async Task TwoSlots_ThirdCallWaits_UntilOneIsReleased()
    {
        var slots = new CallSlots(2);
        var first = await slots.EnterAsync(CancellationToken.None);
        using var second = await slots.EnterAsync(CancellationToken.None);

        var third = slots.EnterAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(third.IsCompleted);

        first.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task AWaitingCallsCancellation_EndsItsWait_AndTakesNoSlot()
    {
        var slots = new CallSlots(1);
        var held = await slots.EnterAsync(CancellationToken.None);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slots.EnterAsync(cancellation.Token).AsTask());

        held.Dispose();
        using var next = await slots.EnterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task NoLimit_NeverWaits()
    {
        var slots = new CallSlots(0);
        var many = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => slots.EnterAsync(CancellationToken.None).AsTask()));
        Assert.Equal(100, many.Length);
    }
}

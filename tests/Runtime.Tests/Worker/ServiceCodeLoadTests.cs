using Hoist.CodeSync;
using Hoist.Dispatch;
using Hoist.Worker;
using Microsoft.Extensions.Time.Testing;

namespace Hoist.Runtime.Tests.Worker;

/// <summary>What GetLoad reports across a code sync: calls on the replaced code count until they end.</summary>
public sealed class ServiceCodeLoadTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Load_CountsCallsOfTheReplacedCode_UntilItRetires_AndKeepsTheirStarts()
    {
        var time = new FakeTimeProvider(Start);
        var replaced = new RecordingDispatcher();
        await using var code = new ServiceCode(Generation(0, replaced), time);
        Assert.Equal(new CodeLoad(0, 0, Start), code.Load());

        var onOld = code.Enter();
        Assert.True(code.TryCommit(code.AddPrepared(Generation(code.NextNumber(), new RecordingDispatcher())), out _));
        var onNew = code.Enter();
        Assert.Equal((2, 2L), (code.Load().InFlight, code.Load().CallsStarted));

        time.Advance(TimeSpan.FromSeconds(1));
        onNew.Dispose();
        Assert.Equal(1, code.Load().InFlight);
        Assert.False(code.IsIdleFor(TimeSpan.Zero)); // the new code is idle, the old still runs a call

        time.Advance(TimeSpan.FromSeconds(1));
        onOld.Dispose();
        while (!replaced.Disposed.IsCompleted)
        {
            // The retiring generation polls on the provider's clock.
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(5);
        }

        Assert.Equal(new CodeLoad(0, 2, Start.AddSeconds(2)), code.Load());
    }

    [Fact]
    public async Task IdleSince_MovesWhenTheLastCallEnds_NotWhenOneOfManyDoes()
    {
        var time = new FakeTimeProvider(Start);
        await using var code = new ServiceCode(Generation(0, new RecordingDispatcher()), time);

        var first = code.Enter();
        var second = code.Enter();
        time.Advance(TimeSpan.FromSeconds(5));
        first.Dispose();
        Assert.Equal(new CodeLoad(1, 2, Start), code.Load());

        time.Advance(TimeSpan.FromSeconds(5));
        second.Dispose();
        Assert.Equal(new CodeLoad(0, 2, Start.AddSeconds(10)), code.Load());
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(code.IsIdleFor(TimeSpan.FromSeconds(3)));
        Assert.False(code.IsIdleFor(TimeSpan.FromSeconds(4)));
    }

    [Fact]
    public async Task PreparedCode_NobodyCommits_ExpiresAndStopsHoldingTheWorkerWarm_AndAtMostMaxIsKept()
    {
        var time = new FakeTimeProvider(Start);
        await using var code = new ServiceCode(Generation(0, new RecordingDispatcher()), time);
        var prepared = Enumerable.Range(0, ServiceCode.MaxPrepared + 2).Select(_ => new RecordingDispatcher()).ToArray();
        var ids = prepared.Select(d =>
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            return code.AddPrepared(Generation(code.NextNumber(), d));
        }).ToArray();

        // The oldest beyond the cap are dropped (their code disposed), the newest kept.
        Assert.Equal(ServiceCode.MaxPrepared, code.PreparedCount);
        await Task.WhenAll(prepared.Take(2).Select(d => d.Disposed));
        Assert.All(prepared.Skip(2), d => Assert.False(d.Disposed.IsCompleted));
        Assert.False(code.IsIdleFor(TimeSpan.Zero)); // prepared code holds a warm worker, for a while

        time.Advance(ServiceCode.PreparedLifetime);
        Assert.True(code.IsIdleFor(TimeSpan.Zero));
        Assert.Equal(0, code.PreparedCount);
        Assert.False(code.TryCommit(ids[^1], out _));
        await Task.WhenAll(prepared.Select(d => d.Disposed));
    }

    private static CodeGeneration Generation(int number, ServiceDispatcher dispatcher) =>
        new(number, Path.GetTempPath(), dispatcher, context: null, new AppManifest([]));

    private sealed class RecordingDispatcher : ServiceDispatcher
    {
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Disposed => _disposed.Task;

        public override ValueTask<ReadOnlyMemory<byte>> InvokeAsync(string method, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken) =>
            throw new NotSupportedException("No call is dispatched here: the tests hold leases only.");

        public override ValueTask DisposeAsync()
        {
            _disposed.TrySetResult();
            return base.DisposeAsync();
        }
    }
}

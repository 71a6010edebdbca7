using Grpc.Core;
using System.Diagnostics;
using System.Text.Json;
using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

/// <summary>Rank groups on real processes: the environment contract, fan-out, failures and restarts.</summary>
[Collection(WorkersCollection.Name)]
public sealed class DistributedTests(HoistFixture fixture)
{
    [Fact]
    public async Task Pytorch_EveryRankSeesTorchrunsEnvironment_WithAStableRankZero()
    {
        var ranks = await TorchGroup.Remote.WithInvoker(fixture.Client).EnvironmentAsync();

        Assert.Equal(4, ranks.Count);
        var masterPort = ranks[0].Variables["MASTER_PORT"];
        Assert.True(int.TryParse(masterPort, out var port) && port > 0);
        for (var rank = 0; rank < 4; rank++)
        {
            var variables = ranks[rank].Variables;
            Assert.Equal("4", variables["WORLD_SIZE"]);
            Assert.Equal($"{rank}", variables["RANK"]);
            Assert.Equal($"{rank}", variables["LOCAL_RANK"]);
            Assert.Equal("4", variables["LOCAL_WORLD_SIZE"]);
            Assert.Equal("0", variables["NODE_RANK"]);
            Assert.Equal("127.0.0.1", variables["MASTER_ADDR"]);
            Assert.Equal(masterPort, variables["MASTER_PORT"]);
            Assert.Null(variables["CUDA_VISIBLE_DEVICES"]); // No GPUs on this machine: left unset, not an error.
            Assert.Equal("torch-group", variables["HOIST_SERVICE"]);
        }

        Assert.Equal(4, ranks.Select(r => r.ProcessId).Distinct().Count());

        // Rank 0 is the same process for the group's whole life.
        var again = await TorchGroup.Remote.WithInvoker(fixture.Client).EnvironmentAsync();
        Assert.Equal(ranks.Select(r => r.ProcessId), again.Select(r => r.ProcessId));
    }

    [TorchFact]
    public async Task Pytorch_RealTorchDistributed_AllReduces_UsingOnlyHoistsEnvironment()
    {
        var results = await TorchGroup.Remote.WithInvoker(fixture.Client).AllReduceAsync();

        Assert.Equal([0, 1, 2, 3], results.Select(r => r.Rank));
        Assert.All(results, r =>
        {
            Assert.Equal(4, r.WorldSize);
            Assert.Equal(10.0, r.Sum); // 1 + 2 + 3 + 4, summed by gloo across the four processes
        });
    }

    [Fact]
    public async Task Jax_EveryRankSeesItsCoordinatorAndProcessId()
    {
        var ranks = await JaxGroup.Remote.WithInvoker(fixture.Client).EnvironmentAsync();

        var coordinator = ranks[0].Variables["JAX_COORDINATOR_ADDRESS"];
        Assert.StartsWith("127.0.0.1:", coordinator, StringComparison.Ordinal);
        for (var rank = 0; rank < 2; rank++)
        {
            Assert.Equal(coordinator, ranks[rank].Variables["JAX_COORDINATOR_ADDRESS"]);
            Assert.Equal("2", ranks[rank].Variables["JAX_NUM_PROCESSES"]);
            Assert.Equal($"{rank}", ranks[rank].Variables["JAX_PROCESS_ID"]);
            Assert.Equal($"{rank}", ranks[rank].Variables["RANK"]);
        }
    }

    [Fact]
    public async Task Tensorflow_EveryRankSeesTheClusterAndItsTaskIndex()
    {
        var ranks = await TensorflowGroup.Remote.WithInvoker(fixture.Client).EnvironmentAsync();

        string[]? cluster = null;
        for (var rank = 0; rank < 3; rank++)
        {
            using var config = JsonDocument.Parse(ranks[rank].Variables["TF_CONFIG"]!);
            var workers = config.RootElement.GetProperty("cluster").GetProperty("worker").EnumerateArray().Select(w => w.GetString()!).ToArray();
            cluster ??= workers;
            Assert.Equal(cluster, workers);
            Assert.Equal("worker", config.RootElement.GetProperty("task").GetProperty("type").GetString());
            Assert.Equal(rank, config.RootElement.GetProperty("task").GetProperty("index").GetInt32());
        }

        Assert.Equal(3, cluster!.Distinct().Count());
        Assert.All(cluster!, address => Assert.StartsWith("127.0.0.1:", address, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FanOut_ReturnsResultsInRankOrder()
    {
        var ranks = await SpmdGroup.Remote.WithInvoker(fixture.Client).RankAfterDelayAsync();

        Assert.Equal([0, 1, 2], ranks);
    }

    [Fact]
    public async Task FanOut_ManyCallsAtOnce_EachGetsItsOwnAnswers()
    {
        // The calls share each rank's call stream and finish out of order there; every answer must still
        // reach the call it belongs to.
        var group = SpmdGroup.Remote.WithInvoker(fixture.Client);
        var calls = Enumerable.Range(0, 40).Select(i => group.TagAsync($"call-{i}", (40 - i) % 7 * 10)).ToArray();

        var answers = await Task.WhenAll(calls);

        for (var i = 0; i < answers.Length; i++)
        {
            Assert.Equal([$"call-{i}@0", $"call-{i}@1", $"call-{i}@2"], answers[i]);
        }
    }

    [Fact]
    public async Task FanOut_ACallLongerThanKestrelsBodyRateGracePeriod_StillGetsItsAnswer()
    {
        // While a rank works, nothing flows on its call stream. Kestrel aborts a request body slower than
        // 240 B/s after a 5 s grace period unless the stream is exempt, as gRPC's streaming calls are.
        var group = SpmdGroup.Remote.WithInvoker(fixture.Client);

        var answers = await group.TagAsync("slow", 7000);

        Assert.Equal(["slow@0", "slow@1", "slow@2"], answers);
        Assert.Equal(["after@0", "after@1", "after@2"], await group.TagAsync("after", 0));
    }

    [Fact]
    public async Task FanOut_OversizedInlineArguments_AreRefusedByEveryRank_AndCallsBesideThemAreUntouched()
    {
        // Inline, as over TCP or without shared memory: arguments in shared memory are bounded by /dev/shm instead.
        await using var app = await HoistApplication.StartAsync([], o =>
        {
            o.MaxRequestBytes = HoistFixture.MaxRequestBytes;
            o.Local.SharedMemoryThreshold = 0;
        });
        var group = SpmdGroup.Remote.WithInvoker(app.Client);
        await group.TagAsync("started", 0);
        var beside = group.TagAsync("beside", 300);

        var error = await Assert.ThrowsAsync<DistributedCallException>(() => group.TagAsync(new string('x', HoistFixture.MaxRequestBytes + 1), 0));

        Assert.Equal([0, 1, 2], error.Failures.Select(f => f.Rank));
        Assert.All(error.Failures, failure => Assert.Equal(StatusCode.ResourceExhausted, Assert.IsType<CallRejectedException>(failure.Exception).StatusCode));
        Assert.Contains("Hoist:MaxRequestBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(["beside@0", "beside@1", "beside@2"], await beside);
    }

    [Fact]
    public Task FanOut_CancelledByTheCaller_FiresEveryRanksToken() => WithMarkersAsync(async markers =>
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var call = SpmdGroup.Remote.WithInvoker(fixture.Client).FailOnAsync(failingRank: -1, markers, cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        await RanksSeeTheirTokenFireAsync(markers, 0, 1, 2);
    });

    [Fact]
    public Task FanOut_PastItsDeadline_IsATimeout_AndFiresEveryRanksToken() => WithMarkersAsync(async markers =>
    {
        var group = SpmdGroup.Remote.WithInvoker(fixture.Client).WithTimeout(TimeSpan.FromMilliseconds(400));
        var timer = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<DistributedCallException>(() => group.FailOnAsync(failingRank: -1, markers));

        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(2), $"the call failed {timer.Elapsed} after it started");
        Assert.NotEmpty(error.Failures);
        Assert.All(error.Failures, failure => Assert.IsType<HoistTimeoutException>(failure.Exception));
        await RanksSeeTheirTokenFireAsync(markers, 0, 1, 2);
    });

    [Fact]
    public Task OneRankFailing_NamesThatRank_AndCancelsTheOthers() => WithMarkersAsync(async markers =>
    {
        var error = await Assert.ThrowsAsync<DistributedCallException>(
            () => SpmdGroup.Remote.WithInvoker(fixture.Client).FailOnAsync(failingRank: 1, markers));

        var failure = Assert.Single(error.Failures);
        Assert.Equal(1, failure.Rank);
        var remote = Assert.IsType<RemoteException>(failure.Exception);
        Assert.Equal(1, remote.Rank);
        Assert.Contains("rank 1 ran out of memory", remote.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains("Rank(s) 1 of service 'spmd-group' failed", error.Message, StringComparison.Ordinal);
        await RanksSeeTheirTokenFireAsync(markers, 0, 2);
    });

    [Fact]
    public async Task RankKilledMidCall_FailsTheCallWithin2Seconds_AndTheWholeGroupRestarts()
    {
        var group = SpmdGroup.Remote.WithInvoker(fixture.Client);
        var before = (await group.EnvironmentAsync()).Select(r => r.ProcessId).ToArray();
        var call = group.HangAsync();
        await Task.Delay(200);

        var killed = Stopwatch.StartNew();
        Process.GetProcessById(before[2]).Kill();
        var error = await Assert.ThrowsAsync<DistributedCallException>(() => call);
        killed.Stop();

        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(2), $"the call failed {killed.Elapsed} after the kill");
        var failure = Assert.Single(error.Failures);
        Assert.Equal(2, failure.Rank);
        Assert.IsType<WorkerLostException>(failure.Exception);
        Assert.Contains("spmd-group", error.Message, StringComparison.Ordinal);

        // The next call gets a whole new group: every rank is a fresh process, rank order intact.
        var after = await group.EnvironmentAsync();
        Assert.Empty(after.Select(r => r.ProcessId).Intersect(before));
        Assert.Equal(["0", "1", "2"], after.Select(r => r.Variables["RANK"]));
    }

    [Fact]
    public async Task DistributedAndAutoscaled_TheGroupScalesToZeroAndWakesWhole()
    {
        var group = ElasticGroup.Remote.WithInvoker(fixture.Client);
        var first = await group.ProcessIdAsync();
        Assert.Equal(2, first.Count);

        // A quiet 6 s window plus a 1 s grace period, at 2 s ticks.
        await Eventually.Async(() => fixture.Client.GetStatus("elastic-group")!.ReadyReplicas == 0, "the group to scale to zero", TimeSpan.FromSeconds(20));

        var second = await group.ProcessIdAsync();
        Assert.Equal(2, second.Count);
        Assert.Empty(second.Intersect(first));
    }

    [Fact]
    public async Task Ray_OnTheLocalBackend_SaysItNeedsKubeRay()
    {
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => RayGroup.Remote.WithInvoker(fixture.Client).PingAsync());

        Assert.Contains("KubeRay", error.Message, StringComparison.Ordinal);
        Assert.Contains("ray-group", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Runs a test with a fresh folder where <see cref="SpmdGroup.FailOnAsync"/>'s ranks leave their markers.</summary>
    private static async Task WithMarkersAsync(Func<string, Task> test)
    {
        var markers = Directory.CreateTempSubdirectory("hoist-ranks-").FullName;
        try
        {
            await test(markers);
        }
        finally
        {
            Directory.Delete(markers, recursive: true);
        }
    }

    /// <summary>Waits until each of <paramref name="ranks"/> has left its marker: its CancellationToken fired.</summary>
    private static Task RanksSeeTheirTokenFireAsync(string markers, params int[] ranks) =>
        Eventually.Async(
            () => ranks.All(rank => File.Exists(Path.Combine(markers, $"cancelled-{rank}"))),
            $"rank(s) {string.Join(", ", ranks)} to see their CancellationToken fire");
}

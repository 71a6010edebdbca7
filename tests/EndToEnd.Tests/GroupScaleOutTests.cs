using System.Diagnostics;
using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// Replicas of groups (issue 26), on real processes: "group-pool" is a 2-rank group with one call in flight per group,
/// up to 3 groups, InitialScale 2, and zero after a quiet 6 s window plus 1 s. A call goes to one whole group, which
/// its answers show: every rank of a call names the same rendezvous port (MASTER_PORT), and each group has its own.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class GroupScaleOutTests
{
    [Fact]
    public async Task GroupService_ScalesOutToMaxScaleWholeGroups_UnderLoad_EachCallOnOneGroup_ThenToZero()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.ForwardWorkerLogs = false);
        var pool = GroupPool.Remote.WithInvoker(app.Client);

        // Six callers of 1.5 s calls against a target of one call per group: the KPA wants six groups, MaxScale says 3.
        var answers = new List<IReadOnlyList<string>>();
        var peakReady = 0;
        var load = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            while (load.Elapsed < TimeSpan.FromSeconds(30) && (peakReady < 3 || load.Elapsed < TimeSpan.FromSeconds(12)))
            {
                var ranks = await pool.WhereAsync(1500);
                peakReady = Math.Max(peakReady, app.Client.GetStatus("group-pool")!.ReadyReplicas);
                lock (answers)
                {
                    answers.Add(ranks);
                }
            }
        }));

        var status = app.Client.GetStatus("group-pool")!;
        Assert.Equal(3, peakReady);
        Assert.All(status.RecentDecisions, d => Assert.InRange(d.DesiredReplicas, 0, 3));
        Assert.Contains(status.RecentDecisions, d => d.DesiredReplicas == 3);
        foreach (var call in answers)
        {
            // One group per call: both ranks, in rank order, behind one rendezvous.
            var parts = call.Select(a => a.Split('/')).ToArray();
            Assert.Equal(["0", "1"], parts.Select(p => p[1]));
            Assert.Single(parts.Select(p => p[0]).Distinct());
        }

        // Every group that was ready served calls, and no two groups shared a rendezvous or a process.
        var groups = answers.GroupBy(call => call[0].Split('/')[0]).ToArray();
        Assert.True(groups.Length >= 3, $"calls ran on {groups.Length} groups: {string.Join(", ", groups.Select(g => $"{g.Key} x{g.Count()}"))}");
        Assert.Equal(groups.Length * 2, answers.SelectMany(call => call.Select(a => a.Split('/')[2])).Distinct().Count());

        await Eventually.Async(() => app.Client.GetStatus("group-pool")!.ReadyReplicas == 0, "the groups to scale to zero", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task PlainService_UnderEightConcurrentCallers_EveryReadyReplicaServesCalls()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.ForwardWorkerLogs = false);
        var trio = Trio.Remote.WithInvoker(app.Client);
        await trio.ProcessIdAfterAsync(0);
        await Eventually.Async(() => app.Client.GetStatus("trio")!.ReadyReplicas == 3, "trio's three replicas", TimeSpan.FromSeconds(30));

        var pids = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var mine = new List<int>();
            for (var i = 0; i < 6; i++)
            {
                mine.Add(await trio.ProcessIdAfterAsync(100));
            }

            return mine;
        }));

        // Least in flight, ties round robin: 48 calls over three replicas, none left idle or swamped.
        var perReplica = pids.SelectMany(p => p).GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, perReplica.Count);
        Assert.All(perReplica.Values, count => Assert.InRange(count, 8, 32));
    }

    [Fact]
    public async Task GroupService_WokenFromZero_StartsAndHoldsInitialScaleGroups_UntilTheyAreReady()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.ForwardWorkerLogs = false);
        var pool = GroupPool.Remote.WithInvoker(app.Client);

        var first = await pool.WhereAsync(0);

        // The wake asked for InitialScale 2 groups; the ticks hold it (no decision below 2) until both are ready.
        Assert.Equal(2, first.Count);
        await Eventually.Async(() => app.Client.GetStatus("group-pool")!.ReadyReplicas == 2, "InitialScale's two groups to be ready", TimeSpan.FromSeconds(30));
        var decisions = app.Client.GetStatus("group-pool")!.RecentDecisions;
        var untilReady = decisions.TakeWhile(d => d.ReadyReplicas < 2).ToArray();
        Assert.All(untilReady, d => Assert.True(d.DesiredReplicas >= 2, $"a decision cut InitialScale back before it was reached: {d.Reason}"));
    }

    [Fact]
    public async Task GroupService_ARankKilledInOneGroup_FailsOnlyThatGroupsCall_AndTheGroupIsReplacedWhole()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.ForwardWorkerLogs = false);
        var pool = GroupPool.Remote.WithInvoker(app.Client);
        await pool.WhereAsync(0);
        await Eventually.Async(() => app.Client.GetStatus("group-pool")!.ReadyReplicas == 2, "two groups", TimeSpan.FromSeconds(30));

        // A long call holds one group; the next call goes to the idle group, whose rank 1 dies mid-call.
        var survivor = pool.WhereAsync(4000);
        await Task.Delay(300);
        var failure = await Assert.ThrowsAsync<DistributedCallException>(() => pool.DieOnRankAsync(1));
        var survived = await survivor;

        Assert.Equal(1, Assert.Single(failure.Failures).Rank);
        Assert.Equal(["0", "1"], survived.Select(a => a.Split('/')[1]));
        Assert.Single(survived.Select(a => a.Split('/')[0]).Distinct());

        // The dead group is replaced whole: two groups again, the survivor's processes among them, all fresh otherwise.
        await Eventually.Async(() => app.Client.GetStatus("group-pool")!.ReadyReplicas == 2, "the lost group to be replaced", TimeSpan.FromSeconds(30));
        var survivorPids = survived.Select(a => a.Split('/')[2]).ToHashSet();
        var seen = new HashSet<string>();
        for (var i = 0; i < 8 && seen.Count < 4; i++)
        {
            var calls = await Task.WhenAll(pool.WhereAsync(300), pool.WhereAsync(300));
            seen.UnionWith(calls.SelectMany(c => c.Select(a => a.Split('/')[2])));
        }

        Assert.Equal(4, seen.Count);
        Assert.Subset(seen, survivorPids);
    }
}

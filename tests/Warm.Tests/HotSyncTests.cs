namespace Hoist.Warm.Tests;

/// <summary>
/// Hoist:Local:KeepWarm on real processes: run an app, install a changed build over its folder as
/// <c>dotnet build</c> would, run it again, and see who answers.
/// </summary>
[Collection(WarmCollection.Name)]
public sealed class HotSyncTests(WarmAppFixture fixture)
{
    [Fact]
    public async Task ChangedBuild_IsSyncedIntoTheWarmWorker_WhichAnswersWithTheNewCode()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var first = Assert.Single(await machine.AnswersAsync("answers"));
        Assert.Equal("v1", first.Variant);
        Assert.True(WarmMachine.IsRunning(first.ProcessId), "the worker should outlive the run that started it");

        machine.Install("v2");
        var run = await machine.RunAsync("answers");
        var second = Assert.Single(WarmMachine.Parse(run.Output));

        Assert.Equal("v2", second.Variant);
        Assert.Equal(first.ProcessId, second.ProcessId);
        Assert.Contains("synced this build into warm", run.Combined, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameBuild_ReattachesWithoutSync_AndAClassServiceKeepsItsState()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var first = Counter(await machine.RunAsync("counter"));
        var second = Counter(await machine.RunAsync("counter"));

        Assert.Equal(("v1", 1), (first.Variant, first.Calls));
        Assert.Equal(("v1", 2), (second.Variant, second.Calls));
        Assert.Equal(first.ProcessId, second.ProcessId);

        // A run that attached and let go leaves the worker's socket for the next one.
        var group = Assert.Single(new Backends.Local.WarmWorkers(machine.AppFolder, machine.WarmRoot).LiveGroups(), g => g.Service == "counter");
        Assert.All(group.Workers, w => Assert.True(File.Exists(w.SocketPath), $"{w.SocketPath} is gone"));
        Assert.Equal(("v1", 3), Counter(await machine.RunAsync("counter")) is var third ? (third.Variant, third.Calls) : default);
    }

    [Fact]
    public async Task ClassService_IsRebuiltFromTheNewCode_InTheSameProcess()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        Counter(await machine.RunAsync("counter"));
        var before = Counter(await machine.RunAsync("counter"));

        machine.Install("v2");
        var after = Counter(await machine.RunAsync("counter"));

        Assert.Equal(("v1", 2), (before.Variant, before.Calls));
        Assert.Equal(("v2", 1), (after.Variant, after.Calls));
        Assert.Equal(before.ProcessId, after.ProcessId);
    }

    [Fact]
    public async Task DistributedGroup_ReloadsEveryRankTogether()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var before = await machine.AnswersAsync("group");
        machine.Install("v2");
        var after = await machine.AnswersAsync("group");

        Assert.Equal(2, before.Count);
        Assert.All(before, rank => Assert.Equal("v1", rank.Variant));
        Assert.Equal(2, after.Count);
        Assert.All(after, rank => Assert.Equal("v2", rank.Variant));
        Assert.Equal(before.OrderBy(r => r.Rank).Select(r => r.ProcessId), after.OrderBy(r => r.Rank).Select(r => r.ProcessId));
    }

    [Fact]
    public async Task BrokenBuild_FailsWithTheLoadError_AndTheOldCodeKeepsServing()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var serving = Counter(await machine.RunAsync("counter"));

        machine.Install("broken");
        var broken = await machine.RunAsync("counter");
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("CodeSyncException", broken.Combined, StringComparison.Ordinal);
        Assert.Contains("its constructor throws", broken.Combined, StringComparison.Ordinal);
        Assert.True(WarmMachine.IsRunning(serving.ProcessId), "a broken build must not take the warm worker down");

        // The v1 instance is still the one serving: its count goes on.
        machine.Install("v1");
        var still = Counter(await machine.RunAsync("counter"));
        Assert.Equal(("v1", 2, serving.ProcessId), (still.Variant, still.Calls, still.ProcessId));
    }

    [Fact]
    public async Task FrozenService_GetsFreshWorkersForAChangedBuild()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var before = Assert.Single(await machine.AnswersAsync("frozen"));
        var same = Assert.Single(await machine.AnswersAsync("frozen"));
        machine.Install("v2");
        var after = Assert.Single(await machine.AnswersAsync("frozen"));

        Assert.Equal(before.ProcessId, same.ProcessId);
        Assert.Equal("v2", after.Variant);
        Assert.NotEqual(before.ProcessId, after.ProcessId);
        await Eventually(() => !WarmMachine.IsRunning(before.ProcessId), "the stale frozen worker to stop");
    }

    private static (string Variant, int Calls, int ProcessId) Counter(Testing.ChildProcessResult run)
    {
        Assert.True(run.ExitCode == 0, $"WarmApp counter failed with {run.ExitCode}:\n{run.Combined}");
        var line = run.Output.ReplaceLineEndings("\n").Split('\n').Single(l => l.StartsWith("counter ", StringComparison.Ordinal));
        var fields = line["counter ".Length..].Split(':');
        return (fields[0], int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    internal static async Task Eventually(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}

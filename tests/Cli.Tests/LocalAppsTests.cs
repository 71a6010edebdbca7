using Hoist.Backends.Local;
using Hoist.Cli.Local;
using Hoist.Protocol;

namespace Hoist.Cli.Tests;

/// <summary>Which warm groups <c>hoist status --local app</c> and <c>hoist teardown --local app</c> pick, and how the status reads.</summary>
public sealed class LocalAppsTests
{
    private static WarmGroupRecord Group(string appFolder, string? app = "Shop", string service = "embed") =>
        new(appFolder, service, $"{service}-1-ab", "token", false, "/nowhere", null, [new WarmWorkerRecord(0, $"{service}-1", 4242, 0, null, 5000)], App: app);

    [Theory]
    [InlineData("Shop")]
    [InlineData("shop")]
    [InlineData("/src/Shop")]
    [InlineData("/src/Shop/")]
    [InlineData("/src/Shop/Shop.csproj")]
    [InlineData("/src/Shop/bin/Debug/net10.0")]
    [InlineData("/src/Shop/bin/Debug/net10.0/Shop.dll")]
    public void Picks_AnAppByName_ProjectFolder_ProjectFile_OrBuildFolder(string argument)
    {
        Assert.True(LocalApps.Picks(argument, Group("/src/Shop/bin/Debug/net10.0")));
    }

    [Theory]
    [InlineData("Shopping")]
    [InlineData("/src/Sho")]
    [InlineData("/src/Other")]
    [InlineData("/src/Shop/bin/Release")]
    [InlineData("/src/Shop/Other.csproj")]
    public void Picks_NoOtherApp(string argument)
    {
        Assert.False(LocalApps.Picks(argument, Group("/src/Shop/bin/Debug/net10.0")));
    }

    [Fact]
    public void AppName_OfARecordWithoutOne_IsItsProjectFolder()
    {
        Assert.Equal("Shop", Group("/src/Shop/bin/Debug/net10.0", app: null).AppName);
        Assert.Equal("out", Group("/src/out", app: null).AppName);
    }

    [Fact]
    public void Format_ShowsEachWorker_ItsCode_AndHowLongItIsIdle()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var idle = Group("/src/Shop/bin/Debug/net10.0");
        var busy = Group("/src/Shop/bin/Debug/net10.0", service: "rank");
        var silent = Group("/src/Other/bin/Debug/net10.0", app: "Other");
        WarmWorkerRow[] rows =
        [
            new(idle, idle.Workers[0], new WorkerLoad { InFlight = 0, CallsStarted = 7, IdleSinceUnixMs = (now - TimeSpan.FromSeconds(250)).ToUnixTimeMilliseconds() }, new CodeState { Digest = "0123456789abcdef0123", Generation = 2 }, null),
            new(busy, busy.Workers[0], new WorkerLoad { InFlight = 1, CallsStarted = 1 }, new CodeState { Digest = "fedcba9876543210", Generation = 0 }, null),
            new(silent, silent.Workers[0], null, null, "no answer in 2s"),
        ];

        var lines = LocalApps.Format(rows, now).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("APP    SERVICE  RANK  PID   CODE                  CALLS            IDLE             FOLDER", lines[0]);
        Assert.Equal("Shop   embed    0     4242  0123456789ab (gen 2)  0 now, 7 in all  4m               /src/Shop/bin/Debug/net10.0", lines[1]);
        Assert.Equal("Shop   rank     0     4242  fedcba987654 (gen 0)  1 now, 1 in all  busy             /src/Shop/bin/Debug/net10.0", lines[2]);
        Assert.Equal("Other  embed    0     4242  ?                     ?                no answer in 2s  /src/Other/bin/Debug/net10.0", lines[3]);
    }
}

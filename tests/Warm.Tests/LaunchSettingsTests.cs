using Hoist.Testing;

namespace Hoist.Warm.Tests;

/// <summary>
/// Hoist:Local:KeepWarm never serves a run from a worker launched with other settings: each test runs the app, changes
/// one thing a worker receives at launch (a secret, an [Env] override, the OTLP endpoint, the setup steps), runs it
/// again, and reads what the worker that answers was launched with. Each machine has its own XDG_RUNTIME_DIR.
/// </summary>
[Collection(WarmCollection.Name)]
public sealed class LaunchSettingsTests(WarmAppFixture fixture)
{
    private const string Setup = "Hoist__Services__see__Setup__0";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RotatedSecret_GetsAFreshWorker_AndTheLogNamesTheSecretNotItsValue(bool frozen)
    {
        await using var machine = new SeeMachine(fixture, frozen ? new() { ["Hoist__Services__see__Freeze"] = "true" } : []);
        var first = await machine.SeeAsync(new() { ["Hoist__Secrets__demo__TOKEN"] = "first-Zq81" });
        var same = await machine.SeeAsync(new() { ["Hoist__Secrets__demo__TOKEN"] = "first-Zq81" });
        var rotated = await machine.SeeAsync(new() { ["Hoist__Secrets__demo__TOKEN"] = "second-Xw42" });

        Assert.Equal(("first-Zq81", first.ProcessId), (same.Token, same.ProcessId));
        Assert.DoesNotContain("starting fresh workers", same.Log, StringComparison.Ordinal);
        Assert.Equal("second-Xw42", rotated.Token);
        Assert.NotEqual(first.ProcessId, rotated.ProcessId);
        var line = rotated.LineWith("secret demo changed: starting fresh workers for see");
        Assert.DoesNotContain("first-Zq81", line, StringComparison.Ordinal);
        Assert.DoesNotContain("second-Xw42", line, StringComparison.Ordinal);
        await HotSyncTests.Eventually(() => !WarmMachine.IsRunning(first.ProcessId), "the stale worker to stop");
        machine.AssertNoRecordHolds("first-Zq81", "second-Xw42");
    }

    [Fact]
    public async Task ChangedEnvironmentOverride_GetsAFreshWorker_NamingTheVariable()
    {
        await using var machine = new SeeMachine(fixture);
        var before = await machine.SeeAsync([]);
        var same = await machine.SeeAsync([]);
        var after = await machine.SeeAsync(new() { ["Hoist__Services__see__Env__GREETING"] = "bonjour-7d" });

        Assert.Equal(("hello", before.ProcessId), (same.Greeting, same.ProcessId));
        Assert.Equal("bonjour-7d", after.Greeting);
        Assert.NotEqual(before.ProcessId, after.ProcessId);
        Assert.DoesNotContain("bonjour-7d", after.LineWith("environment GREETING changed: starting fresh workers for see"), StringComparison.Ordinal);
        machine.AssertNoRecordHolds("bonjour-7d");
    }

    [Fact]
    public async Task ChangedOtlpEndpoint_GetsAFreshWorker_ThatExportsToTheNewOne()
    {
        await using var machine = new SeeMachine(fixture);
        var before = await machine.SeeAsync(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });
        var same = await machine.SeeAsync(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });
        var after = await machine.SeeAsync(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:7" });

        Assert.Equal(("http://127.0.0.1:9", before.ProcessId), (same.OtlpEndpoint, same.ProcessId));
        Assert.Equal("http://127.0.0.1:7", after.OtlpEndpoint);
        Assert.NotEqual(before.ProcessId, after.ProcessId);
        Assert.DoesNotContain("127.0.0.1:7", after.LineWith("environment OTEL_EXPORTER_OTLP_ENDPOINT changed: starting fresh workers for see"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetupStepsGivenAsAnOverride_RunAndGetAFreshWorker_ThatSeesWhatTheyMade()
    {
        await using var machine = new SeeMachine(fixture);
        var before = await machine.SeeAsync([]);
        var after = await machine.SeeAsync(new() { [Setup] = "echo two > \"$HOIST_VOLUME_STATE/setup.txt\"" });
        var same = await machine.SeeAsync(new() { [Setup] = "echo two > \"$HOIST_VOLUME_STATE/setup.txt\"" });

        Assert.Equal("one", before.Setup);
        Assert.Equal("two", after.Setup);
        Assert.NotEqual(before.ProcessId, after.ProcessId);
        Assert.DoesNotContain("echo two", after.LineWith("setup steps changed: starting fresh workers for see"), StringComparison.Ordinal);
        Assert.Equal(("two", after.ProcessId), (same.Setup, same.ProcessId));
    }

    [Fact]
    public async Task HoistSyncLocal_StopsAWarmWorkerLaunchedWithAnotherSecret_AndSyncsOnesThatMatch()
    {
        await using var machine = new SeeMachine(fixture);
        var first = await machine.SeeAsync(new() { ["Hoist__Secrets__demo__TOKEN"] = "first-Zq81" });
        var answers = Assert.Single(WarmMachine.Parse((await machine.RunAsync([], "answers")).Output));

        var sync = await machine.HoistAsync(new() { ["Hoist__Secrets__demo__TOKEN"] = "second-Xw42" }, "sync", Path.Combine(machine.Machine.AppFolder, "WarmApp.dll"), "--local");

        Assert.True(sync.ExitCode == 0, sync.Combined);
        Assert.Contains("see: secret demo changed: stopped its warm workers, so the next run starts fresh ones", sync.Output, StringComparison.Ordinal);
        Assert.Contains("answers: up to date", sync.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("second-Xw42", sync.Combined, StringComparison.Ordinal);
        await HotSyncTests.Eventually(() => !WarmMachine.IsRunning(first.ProcessId), "the stale worker to stop");
        Assert.True(WarmMachine.IsRunning(answers.ProcessId), "a warm worker whose launch is unchanged stays");
    }

    [Fact]
    public async Task HoistSyncLocal_LeavesAGroupARunningAppHolds_ToThatAppsLaunch()
    {
        await using var machine = new SeeMachine(fixture);
        var first = await machine.SeeAsync(new() { ["Hoist__Secrets__demo__TOKEN"] = "first-Zq81" });

        // As a running app does: it holds the group's record while it uses the workers it launched.
        using var running = new Backends.Local.WarmWorkers(machine.Machine.AppFolder, machine.Machine.WarmRoot).TryClaim("see");
        Assert.NotNull(running);
        var sync = await machine.HoistAsync(new() { ["Hoist__Secrets__demo__TOKEN"] = "second-Xw42" }, "sync", Path.Combine(machine.Machine.AppFolder, "WarmApp.dll"), "--local");

        Assert.True(sync.ExitCode == 0, sync.Combined);
        Assert.Contains("see: up to date", sync.Output, StringComparison.Ordinal);
        Assert.True(WarmMachine.IsRunning(first.ProcessId), "the workers a running app holds serve that app");
    }

    /// <summary>What the see service answered, and everything the run printed.</summary>
    private sealed record SeeAnswer(string Token, string Greeting, string OtlpEndpoint, string Setup, int ProcessId, string Log)
    {
        public string LineWith(string text)
        {
            var line = Log.ReplaceLineEndings("\n").Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            Assert.True(line is not null, $"no line says '{text}':\n{Log}");
            return line;
        }
    }

    /// <summary>A <see cref="WarmMachine"/> whose volumes and setup markers are its own too, running the see service.</summary>
    private sealed class SeeMachine : IAsyncDisposable
    {
        private readonly Dictionary<string, string?> _base;
        private readonly string _configuration;

        public SeeMachine(WarmAppFixture fixture, Dictionary<string, string?>? settings = null)
        {
            Machine = new WarmMachine(fixture);
            Machine.Install("v1");
            _configuration = fixture.Builds.Configuration;
            var root = Path.GetDirectoryName(Machine.RuntimeFolder)!;
            _base = new Dictionary<string, string?>(Machine.Environment())
            {
                ["Hoist__Local__VolumesFolder"] = Path.Combine(root, "volumes"),
                ["Hoist__Local__SetupCacheFolder"] = Path.Combine(root, "setup"),
                ["Hoist__Secrets__demo__TOKEN"] = "unrotated",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            };
            foreach (var (name, value) in settings ?? [])
            {
                _base[name] = value;
            }
        }

        public WarmMachine Machine { get; }

        public async Task<ChildProcessResult> RunAsync(Dictionary<string, string?> changes, params string[] services) =>
            await ChildProcess.RunAsync(Path.Combine(Machine.AppFolder, "WarmApp"), services, Machine.AppFolder, TimeSpan.FromSeconds(120), With(changes));

        public async Task<ChildProcessResult> HoistAsync(Dictionary<string, string?> changes, params string[] arguments)
        {
            var cli = Path.Combine(Repository.Root, "src", "Cli", "bin", _configuration, "net10.0", "Hoist.Cli.dll");
            return await ChildProcess.RunAsync("dotnet", ["exec", cli, .. arguments], Machine.AppFolder, TimeSpan.FromSeconds(60), With(changes));
        }

        public async Task<SeeAnswer> SeeAsync(Dictionary<string, string?> changes)
        {
            var run = await RunAsync(changes, "see");
            Assert.True(run.ExitCode == 0, $"WarmApp see failed with {run.ExitCode}:\n{run.Combined}");
            var line = run.Output.ReplaceLineEndings("\n").Split('\n').Single(l => l.StartsWith("see ", StringComparison.Ordinal));
            var fields = line["see ".Length..].Split(' ').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
            return new SeeAnswer(fields["token"], fields["greeting"], fields["otlp"], fields["setup"], int.Parse(fields["pid"], System.Globalization.CultureInfo.InvariantCulture), run.Combined);
        }

        /// <summary>Secret values are hashed in the warm records, never written in clear.</summary>
        public void AssertNoRecordHolds(params string[] values)
        {
            foreach (var file in Directory.EnumerateFiles(Machine.WarmRoot, "*.json", SearchOption.AllDirectories).Where(f => f.Contains("groups", StringComparison.Ordinal)))
            {
                var text = File.ReadAllText(file);
                Assert.Contains("\"Launch\"", text, StringComparison.Ordinal);
                foreach (var value in values)
                {
                    Assert.DoesNotContain(value, text, StringComparison.Ordinal);
                }
            }
        }

        private Dictionary<string, string?> With(Dictionary<string, string?> changes)
        {
            var environment = new Dictionary<string, string?>(_base);
            foreach (var (name, value) in changes)
            {
                environment[name] = value;
            }

            return environment;
        }

        public ValueTask DisposeAsync() => Machine.DisposeAsync();
    }
}

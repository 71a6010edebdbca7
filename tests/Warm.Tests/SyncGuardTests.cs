using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Hoist.Backends.Local;
using Hoist.Client;
using Hoist.Protocol;
using Hoist.Testing;
using Hoist.Transport;

namespace Hoist.Warm.Tests;

/// <summary>What a warm worker refuses, and what it leaves behind: nothing past its TTL or the stop command.</summary>
[Collection(WarmCollection.Name)]
public sealed class SyncGuardTests(WarmAppFixture fixture)
{
    [Theory]
    [InlineData("../escaped.txt")]
    [InlineData("lib/../../escaped.txt")]
    [InlineData("/tmp/escaped.txt")]
    [InlineData("lib\\..\\..\\escaped.txt")]
    public async Task Sync_RefusesAPathOutsideTheAppFolder_AndWritesNothing(string path)
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var serving = Assert.Single(await machine.AnswersAsync("answers"));
        using var worker = Connect(machine, "answers");

        var content = "not code"u8.ToArray();
        var request = await SameCodeAsync(worker.Endpoint);
        request.Files.Add(new CodeFile { Path = path, Sha256 = Sha256(content), Length = content.Length });
        request.Contents.Add(new FileContent { Sha256 = Sha256(content), Data = ByteString.CopyFrom(content) });
        var refused = await Assert.ThrowsAsync<RpcException>(() => Code(worker.Endpoint).PrepareCodeAsync(request, worker.Endpoint.Headers).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("outside the app folder", refused.Status.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), $"hoist-code-{serving.ProcessId}", "escaped.txt")));
        Assert.False(File.Exists("/tmp/escaped.txt"));
    }

    [Fact]
    public async Task Sync_RefusesContentThatDoesNotMatchItsHash()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        await machine.AnswersAsync("answers");
        using var worker = Connect(machine, "answers");

        var request = await SameCodeAsync(worker.Endpoint);
        var dll = request.Files.Single(f => f.Path == "WarmApp.dll");
        request.Contents.Add(new FileContent { Sha256 = dll.Sha256, Data = ByteString.CopyFromUtf8("something else") });
        var refused = await Assert.ThrowsAsync<RpcException>(() => Code(worker.Endpoint).PrepareCodeAsync(request, worker.Endpoint.Headers).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("does not have that hash", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_WithoutTheToken_IsRefused()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        await machine.AnswersAsync("answers");
        using var worker = Connect(machine, "answers");
        var request = await SameCodeAsync(worker.Endpoint);

        var wrong = new Metadata { { "x-hoist-token", "not-the-token" } };
        var noToken = await Assert.ThrowsAsync<RpcException>(() => Code(worker.Endpoint).GetCodeAsync(new GetCodeRequest()).ResponseAsync);
        var wrongToken = await Assert.ThrowsAsync<RpcException>(() => Code(worker.Endpoint).PrepareCodeAsync(request, wrong).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, noToken.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, wrongToken.StatusCode);
    }

    [Fact]
    public async Task FrozenService_RefusesADirectSync_NamingTheService()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        await machine.AnswersAsync("frozen");
        using var worker = Connect(machine, "frozen");
        var request = await SameCodeAsync(worker.Endpoint);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Code(worker.Endpoint).PrepareCodeAsync(request, worker.Endpoint.Headers).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("Service 'frozen' is frozen", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmWorker_ExitsByItselfAfterItsInactivityTtl()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var worker = Assert.Single(await machine.AnswersAsync("short-lived"));

        // InactivityTtl = "3s", and no app is attached any more.
        await HotSyncTests.Eventually(() => !WarmMachine.IsRunning(worker.ProcessId), "the warm worker to pass its 3 s TTL and exit", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task TeardownLocalAll_StopsEveryWarmWorker_AndRemovesTheirRecords()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var workers = await machine.AnswersAsync("answers", "group");
        Assert.Equal(3, workers.Count);
        Assert.All(workers, w => Assert.True(WarmMachine.IsRunning(w.ProcessId)));

        var teardown = await HoistAsync(machine, "teardown", "--local", "--all");

        Assert.True(teardown.ExitCode == 0, teardown.Combined);
        Assert.Contains("Stopped 3 warm local worker processes of answers, group.", teardown.Output, StringComparison.Ordinal);
        Assert.All(workers, w => Assert.False(WarmMachine.IsRunning(w.ProcessId), $"process {w.ProcessId} ({w.Service}) is still running"));
        Assert.False(Directory.Exists(machine.WarmRoot));
    }

    [Fact]
    public async Task StatusLocal_ListsEachAppsWarmWorkers_AndTeardownLocal_StopsOnlyTheAppItNames()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var mine = Assert.Single(await machine.AnswersAsync("answers"));
        // The same build in a second folder is a second app: the registry knows an app by its build folder.
        var otherFolder = Path.Combine(Path.GetDirectoryName(machine.AppFolder)!, "other");
        fixture.Builds.Install("v1", otherFolder);
        var otherRun = await ChildProcess.RunAsync(Path.Combine(otherFolder, "WarmApp"), ["answers"], otherFolder, TimeSpan.FromSeconds(120), machine.Environment());
        var theirs = Assert.Single(WarmMachine.Parse(otherRun.Output));
        var digest = CodeSync.AppManifest.Scan(machine.AppFolder).Digest[..12];

        var status = await HoistAsync(machine, "status", "--local");
        var mustName = await HoistAsync(machine, "teardown", "--local");
        var stopOther = await HoistAsync(machine, "teardown", "--local", otherFolder);
        var statusAfter = await HoistAsync(machine, "status", "--local", "WarmApp");
        var stopByName = await HoistAsync(machine, "teardown", "--local", "WarmApp");

        Assert.True(status.ExitCode == 0, status.Combined);
        var rows = status.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("APP ", rows[0], StringComparison.Ordinal);
        foreach (var (worker, folder) in new[] { (mine, machine.AppFolder), (theirs, otherFolder) })
        {
            var row = Assert.Single(rows, r => r.Contains($" {worker.ProcessId} ", StringComparison.Ordinal));
            Assert.Matches($@"^WarmApp\s+answers\s+0\s+{worker.ProcessId}\s+{digest} \(gen 0\)\s+0 now, 1 in all\s+\d+s\s+{System.Text.RegularExpressions.Regex.Escape(folder)}$", row);
        }

        Assert.Equal(2, mustName.ExitCode);
        Assert.Contains("pass --all to stop every app's", mustName.Error, StringComparison.Ordinal);
        Assert.True(stopOther.ExitCode == 0, stopOther.Combined);
        Assert.Contains("Stopped 1 warm local worker process of answers (app WarmApp).", stopOther.Output, StringComparison.Ordinal);
        Assert.False(WarmMachine.IsRunning(theirs.ProcessId), "the other app's worker is still running");
        Assert.Contains($" {mine.ProcessId} ", statusAfter.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($" {theirs.ProcessId} ", statusAfter.Output, StringComparison.Ordinal);
        Assert.True(stopByName.ExitCode == 0, stopByName.Combined);
        Assert.False(WarmMachine.IsRunning(mine.ProcessId), "the app's worker is still running after its teardown");
    }

    private Task<ChildProcessResult> HoistAsync(WarmMachine machine, params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", ["exec", Path.Combine(Repository.Root, "src", "Cli", "bin", fixture.Builds.Configuration, "net10.0", "Hoist.Cli.dll"), .. arguments], machine.AppFolder, TimeSpan.FromSeconds(60), machine.Environment());

    /// <summary>This test's own hold on a warm worker, as the next run would take it.</summary>
    private sealed class HeldWorker(WarmClaim claim, WorkerEndpoint endpoint) : IDisposable
    {
        public WorkerEndpoint Endpoint { get; } = endpoint;

        public void Dispose()
        {
            Endpoint.Dispose();
            claim.Dispose();
        }
    }

    private static HeldWorker Connect(WarmMachine machine, string service)
    {
        var claim = new WarmWorkers(machine.AppFolder, machine.WarmRoot).TryClaim(service) ?? throw new InvalidOperationException($"no warm '{service}' worker");
        return new HeldWorker(claim, WarmWorkers.Endpoints(claim.Record, int.MaxValue)[0]);
    }

    private static Protocol.Code.CodeClient Code(WorkerEndpoint endpoint) => new(endpoint.Channel);

    /// <summary>A prepare request for exactly the code the worker runs, for a test to add one bad thing to.</summary>
    private static async Task<PrepareCodeRequest> SameCodeAsync(WorkerEndpoint endpoint)
    {
        var state = await Code(endpoint).GetCodeAsync(new GetCodeRequest(), endpoint.Headers);
        var request = new PrepareCodeRequest();
        request.Files.Add(state.Files);
        return request;
    }

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}

using System.Diagnostics;
using System.Threading.Channels;
using Hoist.Testing;

namespace Hoist.Warm.Tests;

/// <summary>
/// The loop the issue was found in: an app keeps calling a warm worker while <c>hoist sync --local</c> syncs a new build
/// into it. A build that changes the method's wire contract is announced before the sync, and the still-running app's
/// calls are refused from then on (never answered by code that reads its arguments as defaults); a build that changes
/// only a body keeps answering, with the new code.
/// </summary>
[Collection(WarmCollection.Name)]
public sealed class WireContractSyncTests(WarmAppFixture fixture)
{
    private string Cli => Path.Combine(Repository.Root, "src", "Cli", "bin", fixture.Builds.Configuration, "net10.0", "Hoist.Cli.dll");

    [Fact]
    public async Task RenamedMember_SyncedUnderARunningApp_IsRefused_NeverComputedOnDefaults()
    {
        await using var machine = new WarmMachine(fixture);
        await using var app = await StartAnsweringAsync(machine);

        // record Pair(int Left, int Right) becomes Pair(int A, int Right); the running app still sends Left.
        var sync = await SyncAsync(machine, "renamed");
        var answer = await app.CallAsync();

        Assert.True(sync.ExitCode == 0, sync.Combined);
        Assert.Contains("add: warning: this build changes the wire contract of Add(p: Pair [json]) -> int [raw]", sync.Combined, StringComparison.Ordinal);
        Assert.Contains("Pair differs: the running code's has Left: int; the build's has A: int", sync.Combined, StringComparison.Ordinal);
        Assert.Contains("add: synced 1 worker", sync.Output, StringComparison.Ordinal);

        Assert.NotEqual("add 3", answer);
        Assert.StartsWith("add refused WireContractMismatchException: Service 'add'", answer, StringComparison.Ordinal);
        Assert.Contains("the worker runs a different build of Add(p: Pair [json]) -> int [raw] (synced to it as code generation 1)", answer, StringComparison.Ordinal);
        Assert.Contains("Pair differs: the caller's has Left: int; the worker's has A: int", answer, StringComparison.Ordinal);
        Assert.Contains("Restart the app to pick up the new proxy", answer, StringComparison.Ordinal);

        // Still refused on the next call: no retry slips through to the new code.
        Assert.StartsWith("add refused WireContractMismatchException", await app.CallAsync(), StringComparison.Ordinal);

        // Restarted, the app's proxy is the new build's, and the warm worker answers it.
        await using var restarted = RunningApp.Start(machine);
        Assert.Equal("add 5", await restarted.CallAsync());
    }

    [Fact]
    public async Task BodyOnlyChange_SyncedUnderARunningApp_KeepsAnswering_WithTheNewCode()
    {
        await using var machine = new WarmMachine(fixture);
        await using var app = await StartAnsweringAsync(machine);

        // v2 changes Add's body only: (p.Left + p.Right) * 10.
        var sync = await SyncAsync(machine, "v2");

        Assert.True(sync.ExitCode == 0, sync.Combined);
        Assert.Contains("add: synced 1 worker", sync.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("wire contract", sync.Combined, StringComparison.Ordinal);
        Assert.Equal("add 50", await app.CallAsync());
    }

    // The first build, running and answered once, so its warm worker serves.
    private static async Task<RunningApp> StartAnsweringAsync(WarmMachine machine)
    {
        machine.Install("v1");
        var app = RunningApp.Start(machine);
        try
        {
            Assert.Equal("add 5", await app.CallAsync());
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    // Another build installed over the running app's folder, and `hoist sync --local` of it.
    private Task<ChildProcessResult> SyncAsync(WarmMachine machine, string variant)
    {
        machine.Install(variant);
        return ChildProcess.RunAsync("dotnet", ["exec", Cli, "sync", Path.Combine(machine.AppFolder, "WarmApp.dll"), "--local"], machine.AppFolder, TimeSpan.FromSeconds(60), machine.Environment());
    }

    /// <summary>WarmApp in its add-loop mode: each line written to it is one call, each answer one line back.</summary>
    private sealed class RunningApp : IAsyncDisposable
    {
        private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(90);

        private readonly Process _process;
        private readonly Channel<string> _answers = Channel.CreateUnbounded<string>();
        private readonly List<string> _output = [];

        private RunningApp(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Received(e.Data, answer: true);
            process.ErrorDataReceived += (_, e) => Received(e.Data, answer: false);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static RunningApp Start(WarmMachine machine)
        {
            // Through dotnet rather than the apphost, which a build installed under the running app could not overwrite.
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = machine.AppFolder,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(Path.Combine(machine.AppFolder, "WarmApp.dll"));
            start.ArgumentList.Add("add-loop");
            foreach (var (name, value) in machine.Environment())
            {
                start.Environment[name] = value;
            }

            return new RunningApp(Process.Start(start)!);
        }

        public async Task<string> CallAsync()
        {
            await _process.StandardInput.WriteLineAsync("call");
            await _process.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(AnswerTimeout);
            try
            {
                return await _answers.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                lock (_output)
                {
                    throw new TimeoutException($"WarmApp add-loop gave no answer within {AnswerTimeout}. Output:\n{string.Join('\n', _output)}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                // Closing stdin ends the loop, and the app exits as a user's would; its warm workers stay for the machine to stop.
                _process.StandardInput.Close();
                using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _process.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
            finally
            {
                _process.Dispose();
            }
        }

        private void Received(string? line, bool answer)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.Add(line);
            }

            if (answer && line.StartsWith("add ", StringComparison.Ordinal))
            {
                _answers.Writer.TryWrite(line);
            }
        }
    }
}

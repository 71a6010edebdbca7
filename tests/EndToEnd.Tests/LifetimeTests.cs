using System.Diagnostics;
using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

[Collection(WorkersCollection.Name)]
public sealed class LifetimeTests
{
    [Fact]
    public async Task Dispose_LeavesNoWorkerProcess()
    {
        var app = await HoistApplication.StartAsync([]);
        int[] pids;
        await using (app)
        {
            pids =
            [
                await Probe.Remote.WithInvoker(app.Client).ProcessIdAsync(),
                (await Arithmetic.Remote.WithInvoker(app.Client).PriceAsync(new Order("o", [], null))).WorkerProcessId,
            ];
            Assert.All(pids, pid => Assert.True(IsRunning(pid)));
        }

        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"worker process {pid} outlived the app"));
    }

    [Fact]
    public async Task WorkersExit_WhenTheCallerIsKilled()
    {
        var command = Backends.Local.WorkerCommand.ForAssemblyPath(typeof(Probe).Assembly.Location);
        var start = new ProcessStartInfo(command.FileName) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--start-worker-and-wait");
        using var caller = Process.Start(start)!;
        int workerPid;
        try
        {
            var line = await caller.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            while (line is not null && !line.StartsWith("WORKER ", StringComparison.Ordinal))
            {
                line = await caller.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }

            Assert.NotNull(line);
            workerPid = int.Parse(line["WORKER ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(IsRunning(workerPid));
        }
        finally
        {
            caller.Kill(); // SIGKILL: no chance to clean up.
        }

        await Eventually.Async(() => !IsRunning(workerPid), $"orphaned worker {workerPid} to exit", TimeSpan.FromSeconds(10));
    }

    /// <summary>Alive and not a zombie: an orphan's zombie may linger when PID 1 does not reap it.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}

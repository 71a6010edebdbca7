using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Hoist.TestApp;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// Ctrl+C as a terminal sends it: SIGINT to the app's whole process group, or to the app alone. Every call in flight
/// is cancelled (the worker's token fires), the app ends promptly with one line and no stack trace, and no worker is left.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class SignalTests
{
    private const int SigInt = 2;

    // What the app may take from the signal to its exit: well within HoistApplication.SignalExitGrace plus slack for a loaded machine.
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CtrlC_CancelsTheCallInFlight_AndTheAppExitsWithOneLine(bool toProcessGroup)
    {
        var marker = Path.Combine(Path.GetTempPath(), $"hoist-sigint-{Guid.NewGuid():N}");
        try
        {
            await using var app = App.Start("--call-until-cancelled", marker);
            await app.WaitForLineAsync("CALLING");
            await Eventually.Async(() => File.Exists(marker) && File.ReadAllText(marker) == "started", "the call to reach its worker", TimeSpan.FromSeconds(30));

            var signalled = Stopwatch.StartNew();
            app.Interrupt(toProcessGroup);
            await app.WaitForExitAsync(ExitWithin);

            Assert.True(signalled.Elapsed < ExitWithin, $"the app took {signalled.Elapsed} to exit after Ctrl+C");
            Assert.Equal(130, app.ExitCode);
            Assert.Equal("cancelled", File.ReadAllText(marker));
            var lines = app.StandardErrorLines;
            var hoistLines = lines.Where(l => l.StartsWith("Hoist: ", StringComparison.Ordinal)).ToArray();
            Assert.Equal("Hoist: Ctrl+C (SIGINT): cancelling 1 call in flight, stopping the workers.", Assert.Single(hoistLines));
            Assert.DoesNotContain(lines, l => l.Contains("Unhandled exception", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
            await Eventually.Async(() => !IsRunning(app.WorkerPid), $"worker {app.WorkerPid} to exit with its app", TimeSpan.FromSeconds(10));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task CtrlC_FiresStopping_SoTheAppsOwnLoopEndsByItself()
    {
        await using var app = App.Start("--loop-until-stopping");
        await app.WaitForLineAsync("LOOPING");

        app.Interrupt(toProcessGroup: true);
        await app.WaitForExitAsync(ExitWithin);

        Assert.Contains("LOOP ENDED", app.StandardOutputLines);
        Assert.Equal(0, app.ExitCode);
        await Eventually.Async(() => !IsRunning(app.WorkerPid), $"worker {app.WorkerPid} to exit with its app", TimeSpan.FromSeconds(10));
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The test app in a process group of its own (setsid), as a terminal's foreground job is.</summary>
    private sealed class App : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _stdout = [];
        private readonly List<string> _stderr = [];

        private App(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Add(_stdout, e.Data);
            _process.ErrorDataReceived += (_, e) => Add(_stderr, e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int WorkerPid { get; private set; }

        public int ExitCode => _process.ExitCode;

        public IReadOnlyList<string> StandardOutputLines => Snapshot(_stdout);

        public IReadOnlyList<string> StandardErrorLines => Snapshot(_stderr);

        public static App Start(params string[] arguments)
        {
            var command = Backends.Local.WorkerCommand.ForAssemblyPath(typeof(Probe).Assembly.Location).InNewSession();
            var start = new ProcessStartInfo(command.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in command.Arguments.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }

            return new App(Process.Start(start)!);
        }

        public async Task WaitForLineAsync(string line)
        {
            await Eventually.Async(() => StandardOutputLines.Contains(line) || _process.HasExited, $"the app to print {line}", TimeSpan.FromSeconds(60));
            Assert.True(StandardOutputLines.Contains(line), $"the app exited before printing {line}: {string.Join(Environment.NewLine, StandardErrorLines)}");
            WorkerPid = int.Parse(StandardOutputLines.First(l => l.StartsWith("WORKER ", StringComparison.Ordinal))["WORKER ".Length..], CultureInfo.InvariantCulture);
        }

        /// <summary>SIGINT to the app's process group (a terminal's Ctrl+C) or to the app alone.</summary>
        public void Interrupt(bool toProcessGroup) =>
            Assert.Equal(0, Kill(toProcessGroup ? -_process.Id : _process.Id, SigInt));

        public async Task WaitForExitAsync(TimeSpan within)
        {
            using var timeout = new CancellationTokenSource(within);
            await _process.WaitForExitAsync(timeout.Token);
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
            return ValueTask.CompletedTask;
        }

        private static void Add(List<string> lines, string? line)
        {
            if (line is not null)
            {
                lock (lines)
                {
                    lines.Add(line);
                }
            }
        }

        private static string[] Snapshot(List<string> lines)
        {
            lock (lines)
            {
                return [.. lines];
            }
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // Two ints in, one out: blittable.
        private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054
    }
}

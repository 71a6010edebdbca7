using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.Worker;

internal sealed record ParentWatcherOptions(int ParentProcessId);

/// <summary>
/// Stops a local worker when the process that started it goes away, even if that process was killed:
/// the parent holds the write end of our stdin, so its death closes the pipe. Polling the parent id
/// covers a parent that handed the pipe on.
/// </summary>
internal sealed partial class ParentWatcher(ParentWatcherOptions options, IHostApplicationLifetime lifetime, ILogger<ParentWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stdinClosed = WaitForStdinEofAsync();
        while (!stoppingToken.IsCancellationRequested)
        {
            var finished = await Task.WhenAny(stdinClosed, Task.Delay(PollInterval, stoppingToken)).ConfigureAwait(false);
            if (!stoppingToken.IsCancellationRequested && (finished == stdinClosed || !ParentAlive()))
            {
                LogParentGone(logger, options.ParentProcessId);
                lifetime.StopApplication();
                return;
            }
        }
    }

    private bool ParentAlive() =>
        !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) || NativeMethods.getppid() == options.ParentProcessId;

    // A blocking read on a thread-pool thread: pipes give no cancellable read, and the read ends with the process.
    private static Task WaitForStdinEofAsync() => Task.Run(() =>
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (stdin.Read(buffer) > 0)
        {
        }
    });

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stopping: the Hoist backend (process {ParentPid}) closed this worker's stdin or exited")]
    private static partial void LogParentGone(ILogger logger, int parentPid);

    private static class NativeMethods
    {
        [DllImport("libc", ExactSpelling = true)]
#pragma warning disable SYSLIB1054 // A parameterless blittable call needs no marshalling code.
        public static extern int getppid();
#pragma warning restore SYSLIB1054
    }
}

using System.Collections.Concurrent;
using Hoist.TestApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.EndToEnd.Tests;

/// <summary>A worker's log records, stdout and stderr reach the caller's logger, named by replica.</summary>
[Collection(WorkersCollection.Name)]
public sealed class WorkerLogTests
{
    [Fact]
    public async Task WorkerLogsAndOutput_ReachTheCallersLogger_WithTheirLevel()
    {
        var captured = new CapturingLoggerProvider();
        await using (var app = await StartAsync(captured, forward: true))
        {
            await Chatty.Remote.WithInvoker(app.Client).SpeakAsync("hello");

            await Eventually.Async(() => captured.Lines.Count(l => l.Message.Contains("hello", StringComparison.Ordinal)) >= 3, "the worker's three lines");
        }

        var logged = Assert.Single(captured.Lines, l => l.Message.Contains("logged hello", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Equal("Hoist.Worker.chatty", logged.Category);
        Assert.Matches(@"^\[chatty-\d+\] Hoist\.TestApp\.Chatty: logged hello$", logged.Message);
        Assert.Contains(captured.Lines, l => l.Level == LogLevel.Information && l.Message.EndsWith("stdout: printed hello", StringComparison.Ordinal));
        Assert.Contains(captured.Lines, l => l.Level == LogLevel.Warning && l.Message.EndsWith("stderr: complained hello", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forwarding_CanBeSwitchedOff()
    {
        var captured = new CapturingLoggerProvider();
        await using (var app = await StartAsync(captured, forward: false))
        {
            await Chatty.Remote.WithInvoker(app.Client).SpeakAsync("quietly");
            await Task.Delay(500);
        }

        Assert.DoesNotContain(captured.Lines, l => l.Message.Contains("quietly", StringComparison.Ordinal));
    }

    private static Task<HoistApplication> StartAsync(CapturingLoggerProvider captured, bool forward) =>
        HoistApplication.StartAsync([], builder =>
        {
            builder.Logging.AddProvider(captured);
            builder.AddHoist(o => o.ForwardWorkerLogs = forward);
        });
}

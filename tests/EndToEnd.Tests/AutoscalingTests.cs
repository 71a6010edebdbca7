using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Hoist.TestApp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// Real load on real worker processes: the service "elastic" (target 3 in flight per replica, 6 s window,
/// scale to zero 2 s after a quiet window) goes from zero to a surge, back down, to zero, and wakes again.
/// Every call is journaled by the worker that ran it, so the test proves none was lost or run twice.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class AutoscalingTests : IDisposable
{
    private readonly string _journal = Directory.CreateTempSubdirectory("hoist-journal-").FullName;
    private readonly ConcurrentDictionary<string, int> _answered = new();
    private int _sent;

    public void Dispose() => Directory.Delete(_journal, recursive: true);

    [Fact]
    public async Task Elastic_ScalesUpInPanic_DrainsDown_GoesToZero_AndWakes_WithoutLosingACall()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.ForwardWorkerLogs = false);
        var elastic = Elastic.Remote.WithInvoker(app.Client);
        Assert.Null(app.Client.GetStatus("elastic")); // Nothing runs before the first call.

        // 1. A step from zero to 30 in flight: ten times the target of 3.
        var step = Stopwatch.StartNew();
        var peakReady = 0;
        TimeSpan? reachedTen = null;
        using (var watch = new CancellationTokenSource())
        {
            var watcher = Task.Run(async () =>
            {
                while (!watch.IsCancellationRequested)
                {
                    var ready = app.Client.GetStatus("elastic")?.ReadyReplicas ?? 0;
                    peakReady = Math.Max(peakReady, ready);
                    if (ready >= 10 && reachedTen is null)
                    {
                        reachedTen = step.Elapsed;
                    }

                    await Task.Delay(50);
                }
            });
            // Ten seconds of surge, longer if ten replicas are not ready yet: on a loaded 2-core machine starting ten
            // processes takes longer than the decision to start them, which is what this test is about.
            await LoadAsync(elastic, callers: 30, callMilliseconds: 150, TimeSpan.FromSeconds(30), keepUp: () => reachedTen is null || step.Elapsed < TimeSpan.FromSeconds(10));
            await watch.CancelAsync();
            await watcher;
        }

        var surge = app.Client.GetStatus("elastic")!;
        Assert.Contains(surge.RecentDecisions, d => d.Panicking && d.DesiredReplicas >= 10);
        Assert.True(peakReady >= 10, $"peak ready replicas were {peakReady}; ceil(30 / 3) = 10 wanted");
        Assert.NotNull(reachedTen);

        // The first panic decision comes at the first tick that sees the surge: within two 2 s ticks.
        var firstPanic = surge.RecentDecisions.First(d => d.Panicking);
        Assert.True(firstPanic.DesiredReplicas >= 10, $"the first panic decision wanted {firstPanic.DesiredReplicas}");

        // 2. A light load while the surge leaves the window: replicas drain and stop, no call fails.
        await LoadAsync(elastic, callers: 2, callMilliseconds: 400, TimeSpan.FromSeconds(12));
        var calm = app.Client.GetStatus("elastic")!;
        Assert.True(calm.ReadyReplicas < peakReady, $"still {calm.ReadyReplicas} ready after the surge");

        // 3. Many short calls: volume for the no-loss proof, at least 4 s and until 5000 calls in all were sent (a 2-core
        // CI machine running other test assemblies beside this one sends fewer per second).
        var volume = Stopwatch.StartNew();
        await LoadAsync(elastic, callers: 8, callMilliseconds: 0, TimeSpan.FromSeconds(30), keepUp: () => volume.Elapsed < TimeSpan.FromSeconds(4) || Volatile.Read(ref _sent) < 5000);

        // 4. Idle: zero after a quiet 6 s window plus the 2 s grace period.
        await Eventually.Async(() => app.Client.GetStatus("elastic")!.ReadyReplicas == 0, "elastic to scale to zero", TimeSpan.FromSeconds(30));
        Assert.Contains(app.Client.GetStatus("elastic")!.RecentDecisions, d => d.DesiredReplicas == 0);

        // 5. A call at zero waits in the activator, cold-starts a replica, and is answered.
        var coldStart = Stopwatch.StartNew();
        Assert.True(await CallAsync(elastic, 0) > 0);
        Assert.True(coldStart.Elapsed < TimeSpan.FromSeconds(30));

        // Every call answered once, and run exactly once by some worker.
        Assert.True(_sent >= 5000, $"only {_sent} calls were sent");
        Assert.Equal(_sent, _answered.Count);
        var ran = Directory.GetFiles(_journal).SelectMany(File.ReadAllLines).Where(l => l.Length > 0).ToList();
        Assert.Equal(_sent, ran.Count);
        Assert.Equal(_sent, ran.Distinct().Count());
        Assert.True(ran.ToHashSet().SetEquals(_answered.Keys));
    }

    [Fact]
    public async Task ActivatorQueue_IsBounded_AndOverflowIsRefusedWithResourceExhausted()
    {
        await using var app = await HoistApplication.StartAsync([], o =>
        {
            o.ForwardWorkerLogs = false;
            o.Local.ActivatorQueueLimit = 4;
        });
        var cold = Cold.Remote.WithInvoker(app.Client);

        var calls = Enumerable.Range(0, 20).Select(_ => cold.ProcessIdAsync()).ToArray();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        var served = calls.Where(c => c.IsCompletedSuccessfully).ToArray();
        var refused = calls.Where(c => c.IsFaulted).Select(c => c.Exception!.InnerException).ToArray();
        Assert.Equal(4, served.Length);
        Assert.Equal(16, refused.Length);
        Assert.All(refused, error =>
        {
            var rejected = Assert.IsType<CallRejectedException>(error);
            Assert.Equal(StatusCode.ResourceExhausted, rejected.StatusCode);
            Assert.Contains("ActivatorQueueLimit", rejected.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task InactivityTtl_TearsTheServiceDown_AndTheNextCallColdStartsIt()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.ForwardWorkerLogs = false);
        var service = ShortLived.Remote.WithInvoker(app.Client);
        var first = await service.ProcessIdAsync();

        await Eventually.Async(() => app.Client.GetStatus("short-lived")!.ReadyReplicas == 0, "the idle service to be torn down", TimeSpan.FromSeconds(15));
        await Eventually.Async(() => !File.Exists($"/proc/{first}/stat") || File.ReadAllText($"/proc/{first}/stat").Contains(") Z", StringComparison.Ordinal), "its process to exit");

        var second = await service.ProcessIdAsync();
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task MaxScaleOverride_TakesEffectWithoutARebuild()
    {
        var settings = Path.Combine(_journal, "hoist.json");
        await File.WriteAllTextAsync(settings, """{ "Hoist": { "Services": { "elastic": { "MaxScale": 2 } } } }""");
        await using var app = await HoistApplication.StartAsync([], builder =>
        {
            builder.Configuration.AddJsonFile(settings, optional: false, reloadOnChange: true);
            builder.AddHoist(o => o.ForwardWorkerLogs = false);
        });
        var elastic = Elastic.Remote.WithInvoker(app.Client);

        await LoadAsync(elastic, callers: 24, callMilliseconds: 150, TimeSpan.FromSeconds(5));
        var capped = app.Client.GetStatus("elastic")!;
        Assert.True(capped.ReadyReplicas <= 2, $"{capped.ReadyReplicas} ready with MaxScale 2");
        Assert.Contains(capped.RecentDecisions, d => d.MaxScale == 2 && d.DesiredReplicas == 2);

        await File.WriteAllTextAsync(settings, """{ "Hoist": { "Services": { "elastic": { "MaxScale": 4 } } } }""");
        await Eventually.Async(() => app.Client.Describe("elastic").Autoscale!.MaxScale == 4, "the configuration to reload");
        await LoadAsync(elastic, callers: 24, callMilliseconds: 150, TimeSpan.FromSeconds(6));

        Assert.Contains(app.Client.GetStatus("elastic")!.RecentDecisions, d => d.MaxScale == 4 && d.DesiredReplicas == 4);
    }

    private async Task LoadAsync(Elastic.RemoteProxy elastic, int callers, int callMilliseconds, TimeSpan duration, Func<bool>? keepUp = null)
    {
        var until = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            while (until.Elapsed < duration && (keepUp?.Invoke() ?? true))
            {
                await CallAsync(elastic, callMilliseconds);
            }
        }));
    }

    private async Task<int> CallAsync(Elastic.RemoteProxy elastic, int milliseconds)
    {
        var callId = $"call-{Interlocked.Increment(ref _sent)}";
        var pid = await elastic.WorkAsync(callId, milliseconds, _journal);
        Assert.True(_answered.TryAdd(callId, pid), $"{callId} was answered twice");
        return pid;
    }
}

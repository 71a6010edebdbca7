using Hoist.TestApp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// [Setup] and [Volume] on the local backend, on real worker processes: the steps run once for two replicas starting
/// together and not again in a later run with the same cache; their output reaches the caller's log with the secret
/// masked; a failing step fails the launch naming it and quoting its stderr; the replicas share the volume's folder.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class SetupAndVolumeTests : IDisposable
{
    private const string SecretValue = "setup-s3cr3t-9d41";

    private readonly string _root = Directory.CreateTempSubdirectory("hoist-setup-tests-").FullName;

    private string CacheFolder => Path.Combine(_root, "setup-cache");

    private string VolumesFolder => Path.Combine(_root, "volumes");

    [Fact]
    public async Task Setup_RunsOnceAcrossReplicasAndRuns_AndTheReplicasShareTheVolume()
    {
        var captured = new CapturingLoggerProvider();
        await using (var app = await StartAsync(captured, CacheFolder))
        {
            var views = await VisitBothReplicasAsync(app);

            // One folder for both replicas: each sees the other's file, and the one setup run they both waited for.
            Assert.Single(views.Select(v => v.Folder).Distinct());
            Assert.Equal(Path.Combine(VolumesFolder, "Hoist.TestApp", "scratch"), views[0].Folder);
            var marks = views.Select(w => $"visited-by-{w.ProcessId}").ToHashSet();
            Assert.All(views, v => Assert.Subset(v.Visitors.ToHashSet(), marks));
            Assert.All(views, v => Assert.Equal(1, v.SetupRuns));
        }

        // The step's output is in the caller's log, the secret it printed masked.
        Assert.Contains(captured.Lines, l => l.Message.Contains("running setup step 1 of 2", StringComparison.Ordinal));
        Assert.Contains(captured.Lines, l => l.Message.Contains("stdout: setup sees token=***", StringComparison.Ordinal));
        Assert.DoesNotContain(captured.Lines, l => l.Text.Contains(SecretValue, StringComparison.Ordinal));

        // A later run with the same cache skips the steps; the volume still holds what the first run left.
        await using (var again = await StartAsync(new CapturingLoggerProvider(), CacheFolder))
        {
            Assert.All(await VisitBothReplicasAsync(again), v => Assert.Equal(1, v.SetupRuns));
        }

        // Only the cache decides: with an empty one, the same steps run again.
        await using (var fresh = await StartAsync(new CapturingLoggerProvider(), Path.Combine(_root, "another-cache")))
        {
            Assert.All(await VisitBothReplicasAsync(fresh), v => Assert.Equal(2, v.SetupRuns));
        }
    }

    [Fact]
    public async Task AFailingSetupStep_FailsTheLaunch_NamingTheStepWithItsStderr()
    {
        await using var app = await StartAsync(new CapturingLoggerProvider(), CacheFolder);

        var error = await Assert.ThrowsAsync<WorkerLaunchException>(() => Unprepared.Remote.WithInvoker(app.Client).PingAsync());

        Assert.Equal("unprepared", error.Service);
        Assert.Contains("setup step 2 of 2, `echo 'no such package: hoist-does-not-exist' >&2; exit 3` failed with exit code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("no such package: hoist-does-not-exist", error.Output, StringComparison.Ordinal);
        Assert.Equal(3, error.ExitCode);
        Assert.Empty(Directory.GetFiles(CacheFolder, "*.done"));
    }

    [Fact]
    public async Task SetupSteps_CountWithinLaunchTimeout()
    {
        await using var app = await StartAsync(new CapturingLoggerProvider(), CacheFolder);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<WorkerLaunchException>(() => SlowSetup.Remote.WithInvoker(app.Client).PingAsync());

        Assert.Contains("setup step 1 of 1, `sleep 30` did not finish within the launch timeout of 2 s", error.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"The launch failed after {started.Elapsed}, not at its timeout.");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // Calls until both replicas have answered; each call leaves the replica's mark in the volume first.
    private static async Task<SharedView[]> VisitBothReplicasAsync(HoistApplication app)
    {
        var prepared = Prepared.Remote.WithInvoker(app.Client);
        var byProcess = new Dictionary<int, SharedView>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (byProcess.Count < 2 && DateTime.UtcNow < deadline)
        {
            var view = await prepared.VisitAsync();
            byProcess[view.ProcessId] = view;
        }

        Assert.Equal(2, byProcess.Count);

        // Once more each, now that both have left their mark.
        while (byProcess.Values.Any(v => v.Visitors.Length < 2) && DateTime.UtcNow < deadline)
        {
            var view = await prepared.VisitAsync();
            byProcess[view.ProcessId] = view;
        }

        return byProcess.Values.ToArray();
    }

    private Task<HoistApplication> StartAsync(CapturingLoggerProvider captured, string cacheFolder) =>
        HoistApplication.StartAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Hoist:Local:SetupCacheFolder"] = cacheFolder,
                ["Hoist:Local:VolumesFolder"] = VolumesFolder,
                ["Hoist:Secrets:setup-credentials:token"] = SecretValue,
            });
            builder.Logging.AddProvider(captured);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.AddHoist();
        });
}

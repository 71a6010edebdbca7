using Hoist.Backends.Local;
using Hoist.TestApp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// A service that asks for GPUs on a machine without any still runs locally, on the CPU, and the caller's log says
/// so once: not silently, and not once per rank, replica or call.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class GpuWarningTests
{
    [WithoutGpuFact]
    public async Task GpusWithoutAGpuOnThisMachine_RunOnTheCpu_WithOneWarningAtLaunch()
    {
        var captured = new CapturingLoggerProvider();
        await using (var app = await HoistApplication.StartAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Hoist:Services:spmd-group:Gpus"] = "2" });
            builder.Logging.AddProvider(captured);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.AddHoist();
        }))
        {
            var group = SpmdGroup.Remote.WithInvoker(app.Client);

            // Three ranks, two calls: it runs, and no rank was handed a device that is not there.
            var ranks = await group.EnvironmentAsync();
            Assert.Equal(3, ranks.Count);
            Assert.All(ranks, rank => Assert.Null(rank.Variables["CUDA_VISIBLE_DEVICES"]));
            Assert.Equal(3, (await group.EnvironmentAsync()).Count);
        }

        var warning = Assert.Single(captured.Lines, l => l.Message.Contains("GPU", StringComparison.Ordinal) && l.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(
            "Service spmd-group asks for 2 GPU(s) per worker and nvidia-smi found none on this machine, so it runs on the CPU here; a cluster gives it its GPUs (set Hoist:Services:spmd-group:Gpus to 0 in local settings to silence this)",
            warning.Message);
    }
}

/// <summary>A test of what happens on a machine without GPUs; skipped, saying so, where nvidia-smi lists some.</summary>
public sealed class WithoutGpuFactAttribute : FactAttribute
{
    public WithoutGpuFactAttribute()
    {
        if (GpuInventory.Count() > 0)
        {
            Skip = "This machine has GPUs (nvidia-smi lists them), so a service that asks for them gets them.";
        }
    }
}

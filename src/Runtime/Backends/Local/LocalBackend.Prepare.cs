using System.Collections.Concurrent;
using System.Diagnostics;
using Hoist.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Local;

internal sealed partial class LocalBackend
{
    private readonly Lazy<IReadOnlyList<string>?> _gpuProducts = new(GpuInventory.Products);

    // The services already told they run without their GPUs here: once per service and run, not per replica or relaunch.
    private readonly ConcurrentDictionary<string, bool> _warnedWithoutGpus = new(StringComparer.Ordinal);

    /// <summary>
    /// What every worker of a launch shares, made ready before any starts: the GPU type checked against this machine,
    /// the [Env], [Secret] and [Volume] variables, and the [Setup] steps run (once per user and list, see
    /// <see cref="LocalSetup"/>), with the part of LaunchTimeout they left for the workers.
    /// </summary>
    private async Task<PreparedLaunch> PrepareAsync(ServiceDescriptor descriptor)
    {
        var options = _options.CurrentValue;
        var launchTimeout = TimeSpan.FromSeconds(descriptor.Compute.LaunchTimeout);
        CheckGpuType(descriptor, _gpuProducts.Value);
        if (descriptor.Compute.Gpus > 0 && _gpusOnMachine.Value == 0 && _warnedWithoutGpus.TryAdd(descriptor.Name, true))
        {
            LogRunsWithoutGpus(_loggerFactory.CreateLogger($"Hoist.Services.{descriptor.Name}"), descriptor.Name, descriptor.Compute.Gpus,
                ServiceSettings.Key(descriptor.Name, nameof(ServiceOverrides.Gpus)));
        }

        var variables = LocalWorkerVariables.For(descriptor, options.Secrets);
        foreach (var (name, folder) in LocalVolumes.Ensure(descriptor, options.Local.VolumesFolder ?? LocalVolumes.DefaultRoot()))
        {
            variables[name] = folder;
        }

        if (descriptor.Setup.Count == 0)
        {
            return new PreparedLaunch(variables, launchTimeout);
        }

        var started = Stopwatch.GetTimestamp();
        await LocalSetup.RunOnceAsync(
            descriptor,
            variables,
            LocalWorkerVariables.SecretValues(descriptor, options.Secrets),
            options.Local.SetupCacheFolder ?? LocalSetup.DefaultFolder(),
            options.Local.StderrLinesInErrors,
            launchTimeout,
            _loggerFactory.CreateLogger($"Hoist.Worker.{descriptor.Name}"),
            CancellationToken.None).ConfigureAwait(false);
        var left = launchTimeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero
            ? new PreparedLaunch(variables, left)
            : throw new WorkerLaunchException(descriptor.Name, null,
                $"Service '{descriptor.Name}' failed to launch: its setup steps took the whole launch timeout of {launchTimeout.TotalSeconds:0.###} s, leaving none for the workers.",
                string.Empty, null);
    }

    /// <summary>
    /// [Compute(GpuType)] against this machine's GPUs (docs/attributes.md: checked against nvidia-smi, ignored without it). Pure
    /// given the products, so a test can hand it a list.
    /// </summary>
    internal static void CheckGpuType(ServiceDescriptor descriptor, IReadOnlyList<string>? products)
    {
        if (descriptor.Compute.GpuType is not { } gpuType || products is not { Count: > 0 } || products.Any(p => GpuInventory.IsProduct(p, gpuType)))
        {
            return;
        }

        throw new WorkerLaunchException(descriptor.Name, null,
            $"Service '{descriptor.Name}' asks for GPU type '{gpuType}', and this machine's GPUs are {string.Join(", ", products.Select(p => $"'{p}'"))} (nvidia-smi). " +
            $"Override it for local runs with {ServiceSettings.Key(descriptor.Name, nameof(ServiceOverrides.GpuType))}, or run the service in a cluster that has that GPU.",
            string.Empty, null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service} asks for {Gpus} GPU(s) per worker and nvidia-smi found none on this machine, so it runs on the CPU here; a cluster gives it its GPUs (set {Key} to 0 in local settings to silence this)")]
    private static partial void LogRunsWithoutGpus(ILogger logger, string service, int gpus, string key);

    /// <summary>A launch's shared worker variables, and how long its workers have to become ready.</summary>
    private sealed record PreparedLaunch(Dictionary<string, string> Variables, TimeSpan LaunchTimeout);
}

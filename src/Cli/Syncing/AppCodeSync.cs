using System.Globalization;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Local;
using Hoist.Cli.Building;
using Hoist.Cli.Calling;
using Hoist.Cli.Cluster;
using Hoist.Client;
using Hoist.CodeSync;
using Hoist.Manifests;
using Hoist.Protocol;
using Hoist.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Hoist.Configuration;
using Hoist.Transport;

namespace Hoist.Cli.Syncing;

/// <summary>What one sync pass did for one target (a warm group or a deployed service), as one printed line.</summary>
internal sealed record SyncLine(string Service, string Text, bool Failed);

/// <summary>
/// One sync pass of a built app, for <c>hoist sync</c> and <c>hoist dev</c>: its build output into the warm local
/// workers of that app folder, or into the running pods of its deployed services. Each target is reported, and a
/// failure in one never stops the others.
/// </summary>
internal static class AppCodeSync
{
    public static async Task<IReadOnlyList<SyncLine>> SyncLocalAsync(BuiltApp app, HoistOptions settings, TextWriter warnings, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(app.AssemblyPath)!;
        var manifest = ManifestCache.Scan(folder);
        var contracts = WarnOfContractChanges(Declared(app), warnings);
        var registry = new WarmWorkers(folder);
        var groups = registry.LiveGroups();
        if (groups.Count == 0)
        {
            return [new SyncLine("(none)", $"no warm local workers of {Path.GetFileName(app.AssemblyPath)} are running; run the app with Hoist__Local__KeepWarm=true first", Failed: false)];
        }

        using var stale = await LocalLaunches.Of(app, settings).StopStaleAsync(registry, groups, settings.Local.StopTimeout).ConfigureAwait(false);
        var lines = new List<SyncLine>(stale.Lines);
        foreach (var group in registry.LiveGroups().OrderBy(g => g.Service, StringComparer.Ordinal))
        {
            var endpoints = WarmWorkers.Endpoints(group, settings.Local.SharedMemoryThreshold);
            try
            {
                var outcome = await CodeSyncClient.SyncAsync(endpoints, manifest, folder, SyncTimeout, cancellationToken, contracts).ConfigureAwait(false);
                lines.Add(new SyncLine(group.Service, Describe(outcome, "worker"), Failed: false));
            }
            catch (CodeSyncException ex) when (ex.NeedsFreshWorkers)
            {
                // Never a silently stale worker: the next run starts fresh ones from this build.
                await WarmWorkers.StopAsync(group, settings.Local.StopTimeout).ConfigureAwait(false);
                lines.Add(new SyncLine(group.Service, $"cannot take this build ({ex.Message}); stopped its warm workers, so the next run starts fresh ones", Failed: false));
            }
            catch (CodeSyncException ex)
            {
                lines.Add(new SyncLine(group.Service, $"not synced, the old code keeps serving: {ex.Message}", Failed: true));
            }
            finally
            {
                foreach (var endpoint in endpoints)
                {
                    endpoint.Dispose();
                }
            }
        }

        return lines;
    }

    public static async Task<IReadOnlyList<SyncLine>> SyncClusterAsync(BuiltApp app, HoistOptions settings, TextWriter warnings, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(app.AssemblyPath)!;
        var manifest = ManifestCache.Scan(folder);
        var services = AppServices.Read(app, settings);
        var contracts = WarnOfContractChanges(services, warnings);
        using var target = ClusterAccess.Connect(settings.Kubernetes, warnings, "set KUBECONFIG (or pass --kubeconfig), or pass --local to sync the warm workers on this machine");
        var connector = new WorkerConnector(NullLogger.Instance);
        var clusterDns = WorkerRoutes.UseClusterDns(settings.Kubernetes.ConnectMode, KubernetesConnection.InCluster);
        var lines = new List<SyncLine>();
        foreach (var service in services)
        {
            DeployedService deployed;
            try
            {
                deployed = await DeployedServiceBackend.LocateAsync(target, service.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (CliException)
            {
                lines.Add(new SyncLine(service.Name, $"not deployed in namespace {target.Namespace}; hoist deploy rolls it out", Failed: false));
                continue;
            }

            try
            {
                var token = await DeployedServiceBackend.ReadTokenAsync(target, deployed, new DeployedCallOptions(settings.Kubernetes, settings.Token), cancellationToken).ConfigureAwait(false);
                var outcome = await PodCodeSync.SyncAsync(target.Cluster, connector, deployed.Layout, token, manifest, folder, clusterDns, settings.Kubernetes, SyncTimeout, cancellationToken, contracts).ConfigureAwait(false);
                lines.Add(new SyncLine(service.Name, Describe(outcome, "pod"), Failed: false));
            }
            catch (CodeSyncException ex) when (ex.NeedsFreshWorkers)
            {
                lines.Add(new SyncLine(service.Name, $"cannot take this build ({ex.Message}); roll it out with hoist deploy", Failed: true));
            }
            catch (Exception ex) when (ex is CodeSyncException or InvalidOperationException or CliException)
            {
                lines.Add(new SyncLine(service.Name, $"not synced: {ex.Message}", Failed: true));
            }
        }

        return lines;
    }

    /// <summary>
    /// Before a worker gets the new code: warns once per method whose wire contract the build changes, as callers still
    /// running the previous build will have their calls to it refused from the moment the sync commits.
    /// </summary>
    private static Action<WorkerEndpoint, CodeState> WarnOfContractChanges(IReadOnlyList<ServiceDescriptor> build, TextWriter warnings)
    {
        var warned = new HashSet<(string Service, string Method)>();
        return (worker, running) =>
        {
            if (build.FirstOrDefault(d => d.Name == worker.Service) is not { } descriptor)
            {
                return;
            }

            foreach (var change in WireContractChanges.Between(worker.Service, running.WireContracts, descriptor.WireContracts))
            {
                if (warned.Add((change.Service, change.Build.Method)))
                {
                    warnings.WriteLine(change.Warning);
                }
            }
        };
    }

    // The services the build declares, from its metadata; a build Hoist cannot read gets no warnings, and the sync says why it fails.
    private static IReadOnlyList<ServiceDescriptor> Declared(BuiltApp app)
    {
        try
        {
            return AssemblyDescriptorReader.Read(app.AssemblyPath);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or BadImageFormatException)
        {
            return [];
        }
    }

    private static readonly TimeSpan SyncTimeout = TimeSpan.FromMinutes(2);

    private static string Describe(CodeSyncOutcome outcome, string noun)
    {
        if (!outcome.Changed)
        {
            return "up to date";
        }

        var kib = (outcome.BytesSent / 1024.0).ToString("0.#", CultureInfo.InvariantCulture);
        return $"synced {outcome.WorkersUpdated} {noun}{(outcome.WorkersUpdated == 1 ? "" : "s")} ({outcome.FilesSent} file{(outcome.FilesSent == 1 ? "" : "s")}, {kib} KiB) in {outcome.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms";
    }
}

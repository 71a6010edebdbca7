using Hoist.Backends.Local;
using Hoist.Cli.Building;
using Hoist.Hosting;
using Hoist.Configuration;

namespace Hoist.Cli.Syncing;

/// <summary>
/// The launch the app would make now for each of its services, as <c>hoist sync --local</c> and <c>hoist dev --local</c>
/// see it from this process's configuration and environment, to hold against what a warm group was launched with
/// (<see cref="LaunchSettings"/>). The runtime the app runs on, and a secret only the app's own configuration holds
/// (user secrets), are not this process's to judge: those parts the app's next run checks.
/// </summary>
internal sealed class LocalLaunches(IReadOnlyDictionary<string, LaunchSettings> services)
{
    public static LocalLaunches Of(BuiltApp app, HoistOptions settings)
    {
        var environment = LaunchSettings.CurrentEnvironment();
        var gpus = new Lazy<int>(GpuInventory.Count);
        return new(AppServices.Read(app, settings).ToDictionary(
            d => d.Name,
            d => LaunchSettings.For(d, settings, environment, () => gpus.Value, runtime: null),
            StringComparer.Ordinal));
    }

    /// <summary>The settings that changed since <paramref name="group"/> was launched; none for a service the build no longer declares.</summary>
    public IReadOnlyList<string> ChangedSince(WarmGroupRecord group) =>
        services.TryGetValue(group.Service, out var launch) ? launch.ChangedSince(group.Launch) : [];

    /// <summary>
    /// Stops the warm groups of <paramref name="groups"/>' services that no run holds and that were launched with other
    /// settings than these, so the next run starts fresh ones instead of syncing code into them. Each is claimed first,
    /// so no run attaches to it meanwhile; the claims on the others are held until the result is disposed, for the same
    /// reason. A group a running app holds serves that app's launch, and only takes new code.
    /// </summary>
    public async Task<StaleGroups> StopStaleAsync(WarmWorkers registry, IEnumerable<WarmGroupRecord> groups, TimeSpan stopTimeout)
    {
        var stale = new StaleGroups();
        foreach (var service in groups.Select(g => g.Service).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            while (registry.TryClaim(service) is { } claim)
            {
                if (ChangedSince(claim.Record) is not { Count: > 0 } changed)
                {
                    stale.Held.Add(claim);
                    continue;
                }

                await WarmWorkers.StopAsync(claim.Record, stopTimeout).ConfigureAwait(false);
                claim.Forget();
                stale.Lines.Add(new SyncLine(service, $"{LaunchSettings.Describe(changed)} changed: stopped its warm workers, so the next run starts fresh ones", Failed: false));
            }
        }

        return stale;
    }
}

/// <summary>What <see cref="LocalLaunches.StopStaleAsync"/> stopped, as lines, and its hold on the groups it left.</summary>
internal sealed class StaleGroups : IDisposable
{
    public List<SyncLine> Lines { get; } = [];

    public List<WarmClaim> Held { get; } = [];

    public void Dispose()
    {
        foreach (var claim in Held)
        {
            claim.Dispose();
        }
    }
}

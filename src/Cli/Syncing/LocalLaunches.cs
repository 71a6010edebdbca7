using Hoist.Backends.Local;
using Hoist.Cli.Building;
using Hoist.Hosting;

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
        var gpus = GpuInventory.Count();
        return new(AppServices.Read(app, settings).ToDictionary(
            d => d.Name,
            d => LaunchSettings.For(d, settings, environment, gpus, runtime: null),
            StringComparer.Ordinal));
    }

    /// <summary>The settings that changed since <paramref name="group"/> was launched; none for a service the build no longer declares.</summary>
    public IReadOnlyList<string> ChangedSince(WarmGroupRecord group) =>
        services.TryGetValue(group.Service, out var launch) ? launch.ChangedSince(group.Launch) : [];
}

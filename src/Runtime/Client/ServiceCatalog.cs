using Hoist.Dispatch;
using Hoist.Hosting;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Hoist.Client;

/// <summary>
/// The app's services as they will run: the generated descriptors with the <c>Hoist:Services</c>
/// configuration applied. Read on every use, so an override takes effect without a rebuild or restart; a
/// reload that breaks the settings rules never gets here (<see cref="Hosting.LastGoodOptionsMonitor"/>).
/// </summary>
internal sealed class ServiceCatalog(IOptionsMonitor<HoistOptions> options)
{
    public ServiceDescriptor Describe(string service)
    {
        if (!ServiceRegistry.TryGet(service, out var registration))
        {
            var known = string.Join(", ", ServiceRegistry.All.Select(r => r.Descriptor.Name).Order());
            throw new ArgumentException($"There is no Hoist service '{service}' in this app (known: {(known.Length == 0 ? "none" : known)}).", nameof(service));
        }

        // Checked again here for a service whose assembly loaded after start-up, which start-up could not judge.
        return options.CurrentValue.Services.TryGetValue(service, out var overrides)
            ? ServiceSettings.Apply(registration.Descriptor, overrides)
            : registration.Descriptor;
    }

    /// <summary>The largest request the app's workers accept (the backends start them with this limit).</summary>
    public int MaxRequestBytes => options.CurrentValue.MaxRequestBytes;

    public TimeSpan? CallTimeout(string service) =>
        options.CurrentValue.Services.TryGetValue(service, out var overrides) ? overrides.CallTimeout : null;
}

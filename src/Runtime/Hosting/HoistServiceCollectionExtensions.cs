using Hoist.Backends.Local;
using Hoist.Client;
using Hoist.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Hoist's caller side: options from the <c>Hoist</c> section, the backend and the <see cref="Hoist.HoistClient"/>.</summary>
public static class HoistServiceCollectionExtensions
{
    public static IServiceCollection AddHoist(this IServiceCollection services, IConfiguration configuration, Action<HoistOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var optionsBuilder = services.AddOptions<HoistOptions>().Bind(configuration.GetSection(HoistOptions.SectionName));
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.Validate(
            o => string.Equals(o.Backend, "local", StringComparison.OrdinalIgnoreCase),
            "Hoist:Backend must be \"local\" (the Kubernetes backend is not in this build).");

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ServiceCatalog(sp.GetRequiredService<IOptionsMonitor<HoistOptions>>()));
        services.AddSingleton<IHoistBackend>(sp => new LocalBackend(
            sp.GetRequiredService<ServiceCatalog>().Describe,
            sp.GetRequiredService<IOptionsMonitor<HoistOptions>>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Hoist.HoistClient(
            sp.GetRequiredService<IHoistBackend>(),
            sp.GetRequiredService<ServiceCatalog>(),
            sp.GetRequiredService<ILogger<Hoist.HoistClient>>()));
        services.AddHostedService<HoistClientLifetime>();
        return services;
    }
}

/// <summary>Publishes the client as <see cref="Hoist.HoistClient.Default"/> while the host runs, and stops the workers with it.</summary>
internal sealed class HoistClientLifetime(Hoist.HoistClient client, IOptions<HoistOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = options.Value; // Fail at start-up, not at the first call, when the section is invalid.
        Hoist.HoistClient.Default = client;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await client.DisposeAsync().ConfigureAwait(false);
}

using Hoist.Backends.Kubernetes;
using Hoist.Backends.Local;
using Hoist.Client;
using Hoist.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Hoist's caller side: options from the <c>Hoist</c> section, the backend and the <see cref="Hoist.HoistClient"/>.</summary>
public static class HoistServiceCollectionExtensions
{
    public static IServiceCollection AddHoist(this IServiceCollection services, IConfiguration configuration, Action<HoistOptions>? configure = null) =>
        AddHoist(services, configuration, configure, allServicesLoaded: false);

    internal static IServiceCollection AddHoist(IServiceCollection services, IConfiguration configuration, Action<HoistOptions>? configure, bool allServicesLoaded)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        // A key Hoist does not know (Hoist__Services__embed__MaxScal) or a value of the wrong kind is refused, naming the
        // key and the likely fix, before the binder reads the section; the binder's own error stays as a backstop.
        DurationConverter.Register();
        services.AddSingleton<IConfigureOptions<HoistOptions>>(new HoistSectionCheck(configuration, allServicesLoaded));
        var optionsBuilder = services.AddOptions<HoistOptions>()
            .Bind(configuration.GetSection(HoistOptions.SectionName), binder => binder.ErrorOnUnknownConfiguration = true);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HoistOptions>, HoistOptionsValidator>());

        // Every reader of the Hoist section, the backends included, sees the last settings that passed validation.
        services.TryAddSingleton<LastGoodOptionsMonitor>();
        services.TryAddSingleton<IOptionsMonitor<HoistOptions>>(sp => sp.GetRequiredService<LastGoodOptionsMonitor>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ServiceCatalog(sp.GetRequiredService<IOptionsMonitor<HoistOptions>>()));
        services.AddSingleton(CreateBackend);
        services.AddSingleton(sp => new Hoist.HoistClient(
            sp.GetRequiredService<IHoistBackend>(),
            sp.GetRequiredService<ServiceCatalog>(),
            sp.GetRequiredService<ILogger<Hoist.HoistClient>>(),
            sp.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? default));
        services.AddHostedService<HoistClientLifetime>();
        return services;
    }

    /// <summary>The backend <c>Hoist:Backend</c> names; the validator has already refused any other value.</summary>
    private static IHoistBackend CreateBackend(IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptionsMonitor<HoistOptions>>();
        var describe = sp.GetRequiredService<ServiceCatalog>().Describe;
        var loggerFactory = sp.GetRequiredService<ILoggerFactory>();
        var time = sp.GetRequiredService<TimeProvider>();
        return HoistBackends.Normalize(options.CurrentValue.Backend) switch
        {
            HoistBackends.Kubernetes => new KubernetesBackend(describe, options, loggerFactory, time),
            _ => new LocalBackend(describe, options, loggerFactory, time),
        };
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

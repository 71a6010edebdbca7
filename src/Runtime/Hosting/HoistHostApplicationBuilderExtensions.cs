using Hoist.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Hoist.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>Adds Hoist to an app that builds its own host, the way Aspire's <c>builder.AddX()</c> integrations do.</summary>
public static class HoistHostApplicationBuilderExtensions
{
    /// <summary>Adds Hoist to an app that builds its own host. Call <see cref="Hoist.HoistApplication.RunWorkerIfRequestedAsync"/> first in Main.</summary>
    public static IHostApplicationBuilder AddHoist(this IHostApplicationBuilder builder, Action<HoistOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var allServicesLoaded = builder.Properties.TryGetValue(HoistSectionCheck.AllServicesLoadedProperty, out var loaded) && loaded is true;
        HoistServiceCollectionExtensions.AddHoist(builder.Services, builder.Configuration, configure, allServicesLoaded);
        return builder;
    }
}

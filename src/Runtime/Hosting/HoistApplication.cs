using Hoist.Backends.Kubernetes.Controller;
using Hoist.Hosting;
using Hoist.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist;

/// <summary>
/// Hoist's one line of set-up: <c>await using var hoist = await HoistApplication.StartAsync(args);</c>.
/// In a worker process it serves the worker's service and exits; in the app it starts the caller side,
/// and disposing it stops every worker.
/// </summary>
public sealed class HoistApplication : IAsyncDisposable
{
    private readonly IHost _host;

    private HoistApplication(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<HoistClient>();
    }

    public HoistClient Client { get; }

    public IServiceProvider Services => _host.Services;

    public static Task<HoistApplication> StartAsync(string[] args, Action<HoistOptions>? configure = null, CancellationToken cancellationToken = default) =>
        StartAsync(args, builder => builder.AddHoist(configure), cancellationToken);

    /// <summary>Starts Hoist with a hook into the host builder: extra configuration sources, logging, services.</summary>
    public static async Task<HoistApplication> StartAsync(string[] args, Action<HostApplicationBuilder> configureHost, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configureHost);
        await RunWorkerIfRequestedAsync(args, cancellationToken).ConfigureAwait(false);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        configureHost(builder);
        if (!builder.Services.Any(d => d.ServiceType == typeof(HoistClient)))
        {
            builder.AddHoist();
        }

        // As in the workers: with OTEL_EXPORTER_OTLP_ENDPOINT set, the caller's half of each call is exported
        // too, unless the app set up OpenTelemetry itself.
        if (Telemetry.OtlpExport.IsConfigured(builder.Configuration))
        {
            Telemetry.OtlpExport.AddToCaller(builder);
        }

        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return new HoistApplication(host);
    }

    /// <summary>
    /// In a process a backend started as a worker (<c>HOIST_ROLE=worker</c>), serves until stopped and then
    /// exits the process; in the in-cluster controller's pod (<c>HOIST_ROLE=controller</c>), scales the app's services
    /// until stopped and exits; anywhere else, returns at once. For apps that build their own host.
    /// </summary>
    public static async Task RunWorkerIfRequestedAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var controller = WorkerEnvironment.IsControllerProcess;
        if (!WorkerEnvironment.IsWorkerProcess && !controller)
        {
            return;
        }

        var exitCode = 0;
        try
        {
            await (controller ? ControllerHost.RunAsync(args, cancellationToken) : HoistWorker.RunAsync(args, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The backend quotes stderr when a launch fails, so say what went wrong there.
            await Console.Error.WriteLineAsync($"Hoist {(controller ? "controller" : "worker")} failed: {ex}").ConfigureAwait(false);
            exitCode = 1;
        }

        Environment.Exit(exitCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }
}

using System.Runtime.InteropServices;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Hosting;
using Hoist.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Hoist;

/// <summary>
/// Hoist's one line of set-up: <c>await using var hoist = await HoistApplication.StartAsync(args);</c>.
/// In a worker process it serves the worker's service and exits; in the app it starts the caller side,
/// and disposing it stops every worker. Ctrl+C (SIGINT) or SIGTERM cancels every call in flight, stops the
/// workers and ends the app: see <see cref="Stopping"/>.
/// </summary>
public sealed class HoistApplication : IAsyncDisposable
{
    /// <summary>
    /// How long after Ctrl+C or SIGTERM the app may take to end by itself (its loops watching <see cref="Stopping"/>)
    /// before Hoist ends the process with exit code 130. A second Ctrl+C ends it at once.
    /// </summary>
    public static readonly TimeSpan SignalExitGrace = TimeSpan.FromSeconds(2);

    private const int ExitCodeOnSignal = 130;

    private readonly IHost _host;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly PosixSignalRegistration[] _signals;
    private readonly object _stopGate = new();
    private Task? _stopped;
    private string? _stoppedBy;
    private int _disposed;

    private HoistApplication(IHost host)
    {
        _host = host;
        _lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        Client = host.Services.GetRequiredService<HoistClient>();
        _signals = OperatingSystem.IsWindows()
            ? []
            : [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    public HoistClient Client { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Fires when the app is asked to stop: Ctrl+C, SIGTERM, or the host stopping. Hoist has already cancelled every
    /// call in flight by then; the app's own loops watch this token to end with it.
    /// </summary>
    public CancellationToken Stopping => _lifetime.ApplicationStopping;

    public static Task<HoistApplication> StartAsync(string[] args, Action<HoistOptions>? configure = null, CancellationToken cancellationToken = default) =>
        StartAsync(args, builder => builder.AddHoist(configure), cancellationToken);

    /// <summary>Starts Hoist with a hook into the host builder: extra configuration sources, logging, services.</summary>
    public static async Task<HoistApplication> StartAsync(string[] args, Action<HostApplicationBuilder> configureHost, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configureHost);
        await RunWorkerIfRequestedAsync(args, cancellationToken).ConfigureAwait(false);
        AppExit.Install();

        // Every service the app can call registers before the configuration is read, so an override for a service it
        // does not have is refused at start-up, as the build refuses it (HOIST103).
        Dispatch.ServiceRegistry.LoadAll(System.Reflection.Assembly.GetEntryAssembly());

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppSettingsFolder.ContentRoot() });
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        ((IHostApplicationBuilder)builder).Properties[HoistSectionCheck.AllServicesLoadedProperty] = true;
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
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            host.Dispose();
            throw new HoistConfigurationException(ex.Failures.ToArray(), ex);
        }

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
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        await StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }

    /// <summary>Stops the host once, whoever asks first: the app's dispose, or a signal.</summary>
    private Task StopAsync()
    {
        lock (_stopGate)
        {
            return _stopped ??= _host.StopAsync();
        }
    }

    /// <summary>
    /// Ctrl+C or SIGTERM: one line saying what is cancelled, then the host stops (which cancels every call in flight,
    /// firing each worker's token, and stops the workers) and the app gets <see cref="SignalExitGrace"/> to end by
    /// itself. The workers never see the signal: they run in sessions of their own, and their lifetime is the caller's.
    /// </summary>
    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var signal = context.Signal == PosixSignal.SIGINT ? "Ctrl+C (SIGINT)" : "SIGTERM";
        if (Interlocked.CompareExchange(ref _stoppedBy, signal, null) is not null)
        {
            // A second signal: the user will not wait. The process-exit hook kills the workers.
            Environment.Exit(ExitCodeOnSignal);
            return;
        }

        var waiting = Client.Backend is Telemetry.IServiceStatusSource statuses ? statuses.Gauges().Sum(s => s.QueuedCalls) : 0;
        Console.Error.WriteLine($"Hoist: {signal}: cancelling {Calls(Client.CallsInFlight, "in flight")}{(waiting > 0 ? $" and {Calls(waiting, "waiting for a worker")}" : "")}, stopping the workers.");
        AppExit.OnSignal(ExitCodeOnSignal);
        _lifetime.StopApplication();
        _ = EndAfterGraceAsync();
    }

    private async Task EndAfterGraceAsync()
    {
        var grace = Task.Delay(SignalExitGrace);
        await Task.WhenAny(StopAsync(), grace).ConfigureAwait(false);
        await grace.ConfigureAwait(false);
        Environment.Exit(ExitCodeOnSignal);
    }

    private static string Calls(int count, string state) => $"{count} call{(count == 1 ? "" : "s")} {state}";

    /// <summary>
    /// What an app that lets Hoist's own exceptions through sees: one clean line instead of a stack trace, for a call a
    /// signal cancelled (exit code 130) and for an invalid configuration at start-up (exit code 1). Anything else is
    /// left to the runtime's usual report.
    /// </summary>
    private static class AppExit
    {
        private static int s_installed;
        private static int s_signalExitCode;

        public static void Install()
        {
            if (Interlocked.Exchange(ref s_installed, 1) == 0)
            {
                AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
            }
        }

        public static void OnSignal(int exitCode) => Volatile.Write(ref s_signalExitCode, exitCode);

        private static void OnUnhandled(object sender, UnhandledExceptionEventArgs e)
        {
            switch (e.ExceptionObject)
            {
                case Exception ex when Volatile.Read(ref s_signalExitCode) is var code and not 0 && IsCancellation(ex):
                    // The line the signal printed already says what was cancelled.
                    Environment.Exit(code);
                    break;
                case HoistConfigurationException ex:
                    Console.Error.WriteLine(ex.Message);
                    Environment.Exit(1);
                    break;
            }
        }

        private static bool IsCancellation(Exception ex) =>
            ex is OperationCanceledException || (ex is AggregateException all && all.InnerExceptions.All(IsCancellation));
    }
}

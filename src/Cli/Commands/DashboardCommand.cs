using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hoist.Cli.Dashboard;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist dashboard [--port N] [--otlp-port N] [-- command...]</c>: the standalone Aspire dashboard on this machine,
/// restored from its NuGet package on first use. It prints the dashboard's URL and the one variable apps set to send
/// it their telemetry, optionally runs a command with that variable set, and runs until Ctrl+C. It listens on loopback
/// only, which is what lets it run without a login (ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS).
/// </summary>
internal sealed class DashboardCommand : Command
{
    /// <summary>Aspire's own default browser port.</summary>
    public const int DefaultPort = 18888;

    /// <summary>The standard OTLP/gRPC port: what OpenTelemetry SDKs send to when nothing says otherwise.</summary>
    public const int DefaultOtlpPort = 4317;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a command started from here has to end after Ctrl+C (it hears the terminal's signal itself) before it is killed.</summary>
    private static readonly TimeSpan CommandGrace = TimeSpan.FromSeconds(1);

    private readonly Option<int> _port = new("--port")
    {
        Description = "The browser port on 127.0.0.1; 0 picks a free one.",
        DefaultValueFactory = _ => DefaultPort,
    };

    private readonly Option<int> _otlpPort = new("--otlp-port")
    {
        Description = "The OTLP/gRPC port on 127.0.0.1 that apps send telemetry to; 0 picks a free one.",
        DefaultValueFactory = _ => DefaultOtlpPort,
    };

    private readonly Argument<string[]> _command = new("command")
    {
        Description = "A command to run with OTEL_EXPORTER_OTLP_ENDPOINT set to the dashboard, after --, e.g. hoist dashboard -- dotnet run.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public DashboardCommand(CliContextFactory contexts)
        : base("dashboard", "Run the Aspire dashboard on this machine and print the variable that sends an app's telemetry to it.")
    {
        Options.Add(_port);
        Options.Add(_otlpPort);
        Arguments.Add(_command);
        foreach (var port in new[] { _port, _otlpPort })
        {
            port.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() is < 0 or > IPEndPoint.MaxPort)
                {
                    result.AddError($"{result.Option.Name} must be a port from 0 to {IPEndPoint.MaxPort}");
                }
            });
        }

        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(int Port, int OtlpPort, IReadOnlyList<string> Command);

    public Settings Read(ParseResult parse) => new(parse.GetValue(_port), parse.GetValue(_otlpPort), parse.GetValue(_command) ?? []);

    /// <summary>The line that says where apps send telemetry: the variable every OpenTelemetry SDK reads.</summary>
    public static string OtlpVariableLine(Uri otlp) => $"{Telemetry.OtlpExport.EndpointSetting}={Origin(otlp)}";

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var executable = await DashboardPackage.EnsureAsync(line => context.Error.WriteLine(line), cancellationToken).ConfigureAwait(false);
        var frontend = Loopback(settings.Port, "--port", "the dashboard's browser port");
        var otlp = Loopback(settings.OtlpPort, "--otlp-port", "the OTLP port apps send telemetry to");

        await using var dashboard = DashboardProcess.Start(executable, frontend, otlp);
        await dashboard.WaitUntilServingAsync(StartTimeout, cancellationToken).ConfigureAwait(false);

        await context.Output.WriteLineAsync($"Aspire dashboard: {Origin(frontend)}").ConfigureAwait(false);
        await context.Output.WriteLineAsync($"Apps send it their telemetry with: {OtlpVariableLine(otlp)}").ConfigureAwait(false);
        await context.Output.WriteLineAsync("Ctrl+C stops it.").ConfigureAwait(false);
        await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);

        try
        {
            if (settings.Command.Count > 0)
            {
                var exitCode = await RunCommandAsync(settings.Command, otlp, cancellationToken).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"{settings.Command[0]} exited with code {exitCode.ToString(CultureInfo.InvariantCulture)}; the dashboard keeps its telemetry until Ctrl+C.").ConfigureAwait(false);
                await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            await dashboard.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            throw dashboard.Ended("stopped by itself");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
    }

    // The app started from here: the terminal's own stdin, stdout and stderr, and the dashboard as its OTLP endpoint.
    private static async Task<int> RunCommandAsync(IReadOnlyList<string> command, Uri otlp, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[Telemetry.OtlpExport.EndpointSetting] = Origin(otlp);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new CliException($"'{command[0]}' cannot be started: {ex.Message}", "check the command after --; it runs as given, without a shell");
        }

        using (process)
        {
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                return process.ExitCode;
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C reached it too, from the terminal; a command that does not end by itself is ended.
                using var grace = new CancellationTokenSource(CommandGrace);
                try
                {
                    await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }

                throw;
            }
        }
    }

    /// <summary>http://127.0.0.1:&lt;port&gt;, with a free port for 0; a port something else holds is refused up front, naming the option.</summary>
    private static Uri Loopback(int port, string option, string what)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            throw new CliException(
                $"port {port.ToString(CultureInfo.InvariantCulture)} on 127.0.0.1, {what}, is in use",
                $"stop what listens there (another dashboard?), or pass {option} with another port, or {option} 0 for a free one");
        }
    }

    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}

using System.Diagnostics;

namespace Hoist.Cli.Dashboard;

/// <summary>
/// The running dashboard: its own process, bound to loopback, whose log is kept (the last lines only) to explain a
/// failed start rather than printed over the user's terminal. Disposing stops it.
/// </summary>
internal sealed class DashboardProcess : IAsyncDisposable
{
    private const int KeptLines = 30;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly Process _process;
    private readonly Uri _frontend;
    private readonly Queue<string> _lastLines = new();

    private DashboardProcess(Process process, Uri frontend)
    {
        _process = process;
        _frontend = frontend;
    }

    /// <summary>
    /// Starts the dashboard with its browser frontend at <paramref name="frontend"/> and its OTLP/gRPC endpoint at
    /// <paramref name="otlp"/>, both loopback addresses: only there may it run without a login.
    /// </summary>
    public static DashboardProcess Start(string executable, Uri frontend, Uri otlp)
    {
        if (!frontend.IsLoopback || !otlp.IsLoopback)
        {
            throw new ArgumentException("The dashboard runs without a login, so it listens on loopback only.");
        }

        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = Path.GetDirectoryName(executable)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = frontend.GetLeftPart(UriPartial.Authority);
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = otlp.GetLeftPart(UriPartial.Authority);
        start.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";

        // The dashboard is an ASP.NET Core app: the caller's own ASP.NET settings are not meant for it.
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        var dashboard = new DashboardProcess(process, frontend);
        process.OutputDataReceived += (_, e) => dashboard.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => dashboard.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return dashboard;
    }

    /// <summary>Until the frontend answers HTTP; fails, with the dashboard's last lines, when it exits or takes longer than <paramref name="timeout"/>.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw Ended($"exited with code {_process.ExitCode} while starting");
            }

            try
            {
                using var response = await http.GetAsync(_frontend, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw Ended($"did not answer at {_frontend} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>The error for a dashboard that stopped serving, with what it said last.</summary>
    public CliException Ended(string how)
    {
        string[] lines;
        lock (_lastLines)
        {
            lines = [.. _lastLines];
        }

        return new CliException(new CliError(
            $"the Aspire dashboard {how}",
            "its last lines are above; a port in use, or a package restored incompletely (delete its folder in the NuGet packages folder), are the usual causes")
        {
            Details = lines,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > KeptLines)
            {
                _lastLines.Dequeue();
            }
        }
    }
}

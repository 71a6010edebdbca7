using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Hoist.Cli.Dashboard;

namespace Hoist.Cli.Tests;

/// <summary>
/// <c>hoist dashboard</c> as a user runs it, a real process: it starts the Aspire dashboard from its package on
/// loopback, prints the URL (which answers) and the OTLP variable, runs the command after <c>--</c> with that variable
/// set, and on Ctrl+C (SIGINT) exits 0 leaving no dashboard behind.
/// </summary>
public sealed partial class DashboardCommandTests
{
    [GeneratedRegex(@"^Aspire dashboard: (?<url>http://127\.0\.0\.1:[0-9]+)$", RegexOptions.Multiline)]
    private static partial Regex UrlLine();

    [GeneratedRegex(@"^Apps send it their telemetry with: OTEL_EXPORTER_OTLP_ENDPOINT=(?<otlp>http://127\.0\.0\.1:[0-9]+)$", RegexOptions.Multiline)]
    private static partial Regex OtlpLine();

    [DashboardFact]
    public async Task Dashboard_PrintsItsUrlAndOtlpVariable_RunsTheCommandWithIt_AndStopsOnCtrlC()
    {
        using var work = new TempDirectory();
        var seen = Path.Combine(work.Path, "seen-endpoint");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = work.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", HoistProcess.CliAssembly, "dashboard", "--port", "0", "--otlp-port", "0", "--", "sh", "-c", $"printf %s \"$OTEL_EXPORTER_OTLP_ENDPOINT\" > '{seen}'" })
        {
            start.ArgumentList.Add(argument);
        }

        using var hoist = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var error = new System.Text.StringBuilder();
        hoist.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        hoist.ErrorDataReceived += (_, e) => { lock (error) { error.AppendLine(e.Data); } };
        hoist.BeginOutputReadLine();
        hoist.BeginErrorReadLine();
        string Printed() { lock (output) { return output.ToString(); } }
        string Said() { lock (output) { lock (error) { return $"--- stdout ---\n{output}\n--- stderr ---\n{error}"; } } }

        Uri frontend;
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (!UrlLine().IsMatch(Printed()) || !OtlpLine().IsMatch(Printed()) || !File.Exists(seen) || new FileInfo(seen).Length == 0)
            {
                Assert.False(hoist.HasExited, "hoist dashboard ended early:\n" + Said());
                Assert.True(DateTime.UtcNow < deadline, "hoist dashboard printed no URL, or did not run the command, within 120 s:\n" + Said());
                await Task.Delay(200);
            }

            frontend = new Uri(UrlLine().Match(Printed()).Groups["url"].Value);
            var otlp = new Uri(OtlpLine().Match(Printed()).Groups["otlp"].Value);

            // The URL serves the dashboard; the OTLP port takes connections; the command saw the variable as printed.
            using (var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true }) { Timeout = TimeSpan.FromSeconds(20) })
            {
                using var page = await http.GetAsync(frontend);
                Assert.True(page.IsSuccessStatusCode, $"GET {frontend} answered {page.StatusCode}.");
            }

            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, otlp.Port);
            }

            Assert.Equal(otlp.GetLeftPart(UriPartial.Authority), await File.ReadAllTextAsync(seen));
            Assert.Contains("sh exited with code 0; the dashboard keeps its telemetry until Ctrl+C.", Printed(), StringComparison.Ordinal);

            // Ctrl+C, as a terminal sends it.
            using var interrupt = Process.Start("kill", ["-INT", hoist.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await interrupt.WaitForExitAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await hoist.WaitForExitAsync(limit.Token);
        }
        finally
        {
            if (!hoist.HasExited)
            {
                hoist.Kill(entireProcessTree: true);
            }
        }

        Assert.True(hoist.ExitCode == 0, $"hoist dashboard exited with {hoist.ExitCode} on Ctrl+C:\n" + Said());

        // The dashboard went with it: nothing listens at its URL any more.
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(async () => await probe.ConnectAsync(IPAddress.Loopback, frontend.Port));
    }

    [Fact]
    public async Task Dashboard_OnAPortInUse_SaysWhichAndHowToChooseAnother()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var work = new TempDirectory();

        // The package check comes first: where the package cannot be had, that is the error instead.
        var run = await HoistProcess.RunAsync(["dashboard", "--port", "0", "--otlp-port", port], work.Path, timeout: TimeSpan.FromMinutes(4));

        Assert.Equal(1, run.ExitCode);
        if (DashboardFactAttribute.Unavailable is null)
        {
            Assert.Equal($"error: port {port} on 127.0.0.1, the OTLP port apps send telemetry to, is in use", run.ErrorLines[^2]);
            Assert.StartsWith("hint: stop what listens there (another dashboard?), or pass --otlp-port with another port", run.ErrorLines[^1], StringComparison.Ordinal);
        }
    }
}

/// <summary>A test that runs the Aspire dashboard; skipped, saying why, where its package cannot be restored here.</summary>
public sealed class DashboardFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_unavailable = new(() =>
    {
        try
        {
            DashboardPackage.EnsureAsync(_ => { }, CancellationToken.None).GetAwaiter().GetResult();
            return null;
        }
        catch (CliException ex)
        {
            return ex.Error.Format().Trim();
        }
    });

    public DashboardFactAttribute()
    {
        if (Unavailable is { } why)
        {
            Skip = $"The Aspire dashboard cannot run here: {why}";
        }
    }

    public static string? Unavailable => s_unavailable.Value;
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// The standalone Aspire dashboard, run from its NuGet package (Aspire.Dashboard.Sdk.linux-x64) on free loopback
/// ports, with its telemetry API on for a test to read back what it received.
/// </summary>
internal sealed class AspireDashboard : IAsyncDisposable
{
    public const string PackageId = "Aspire.Dashboard.Sdk.linux-x64";
    public const string PackageVersion = "13.6.5";

    private static readonly Lazy<(string? Executable, string? Problem)> s_package = new(Restore);

    private readonly Process _process;
    private readonly HttpClient _http;

    private AspireDashboard(Process process, Uri frontend, Uri otlp)
    {
        _process = process;
        Frontend = frontend;
        Otlp = otlp;
        _http = new HttpClient { BaseAddress = frontend, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Why the dashboard cannot run here, or null when it can.</summary>
    public static string? Unavailable => s_package.Value.Problem;

    /// <summary>The browser frontend, where the traces page is <c>/traces</c>.</summary>
    public Uri Frontend { get; }

    /// <summary>The OTLP/gRPC endpoint: the value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Otlp { get; }

    public static async Task<AspireDashboard> StartAsync()
    {
        var executable = s_package.Value.Executable ?? throw new InvalidOperationException(Unavailable);
        var frontend = new Uri($"http://127.0.0.1:{FreePort()}");
        var otlp = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = Path.GetDirectoryName(executable)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = frontend.ToString();
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = otlp.ToString();
        start.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        start.Environment["Dashboard__Api__Enabled"] = "true";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var dashboard = new AspireDashboard(process, frontend, otlp);
        try
        {
            await Eventually.Async(() => dashboard.Answers(), "the Aspire dashboard's telemetry API to answer", TimeSpan.FromSeconds(60));
            return dashboard;
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every span the dashboard holds (up to a thousand), from its telemetry API's OTLP JSON.</summary>
    public async Task<DashboardSpan[]> SpansAsync()
    {
        var answer = await GetAsync("spans?limit=1000");
        return [.. from resource in answer.GetProperty("data").GetProperty("resourceSpans").EnumerateArray()
            let service = ServiceName(resource)
            from scope in resource.GetProperty("scopeSpans").EnumerateArray()
            from span in scope.GetProperty("spans").EnumerateArray()
            select new DashboardSpan(
                service,
                span.GetProperty("traceId").GetString()!,
                span.GetProperty("spanId").GetString()!,
                span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null,
                span.GetProperty("name").GetString()!,
                span.GetProperty("kind").GetInt32(),
                StringAttributes(span))];
    }

    /// <summary>Every log record the dashboard holds (up to a thousand).</summary>
    public async Task<DashboardLog[]> LogsAsync()
    {
        var answer = await GetAsync("logs?limit=1000");
        return [.. from resource in answer.GetProperty("data").GetProperty("resourceLogs").EnumerateArray()
            let service = ServiceName(resource)
            from scope in resource.GetProperty("scopeLogs").EnumerateArray()
            from record in scope.GetProperty("logRecords").EnumerateArray()
            select new DashboardLog(
                service,
                record.TryGetProperty("traceId", out var trace) ? trace.GetString() ?? "" : "",
                record.TryGetProperty("spanId", out var span) ? span.GetString() ?? "" : "",
                record.GetProperty("body").GetProperty("stringValue").GetString() ?? "")];
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task<JsonElement> GetAsync(string resource)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync($"api/telemetry/{resource}"));
        return document.RootElement.Clone();
    }

    private static string ServiceName(JsonElement resource) =>
        StringAttributes(resource.GetProperty("resource")).GetValueOrDefault("service.name") ?? "";

    private static Dictionary<string, string> StringAttributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (owner.TryGetProperty("attributes", out var list))
        {
            foreach (var attribute in list.EnumerateArray())
            {
                var value = attribute.GetProperty("value");
                attributes[attribute.GetProperty("key").GetString()!] = value.TryGetProperty("stringValue", out var text) ? text.GetString()! : value.ToString();
            }
        }

        return attributes;
    }

    private bool Answers()
    {
        try
        {
            return _http.GetAsync("api/telemetry/spans").GetAwaiter().GetResult().IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Restores the fixture that downloads the package, then finds the dashboard's executable in the package folder.</summary>
    private static (string? Executable, string? Problem) Restore()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            return (null, $"{PackageId} runs on linux-x64 only.");
        }

        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var executable = Path.Combine(packages, PackageId.ToLowerInvariant(), PackageVersion, "tools", "Aspire.Dashboard");
        if (File.Exists(executable))
        {
            return (executable, null);
        }

        var fixture = Path.Combine(RepositoryRoot(), "tests", "Fixtures", "AspireDashboard", "AspireDashboard.csproj");
        var restore = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "restore", fixture, "--nologo" })
        {
            restore.ArgumentList.Add(argument);
        }

        using var process = Process.Start(restore)!;
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return (null, $"Restoring {PackageId} {PackageVersion} took over 3 minutes.");
        }

        return File.Exists(executable)
            ? (executable, null)
            : (null, $"{PackageId} {PackageVersion} could not be restored (dotnet restore {fixture}): {output.Result.Trim()}");
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Framework.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Framework.sln above {AppContext.BaseDirectory}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A span as the dashboard received it: its resource's <c>service.name</c>, its ids, and its OTLP kind (2 server, 3 client).</summary>
internal sealed record DashboardSpan(string Resource, string TraceId, string SpanId, string? ParentSpanId, string Name, int Kind, Dictionary<string, string> Attributes);

/// <summary>A log record as the dashboard received it, with the trace and span it was written in.</summary>
internal sealed record DashboardLog(string Resource, string TraceId, string SpanId, string Body);

/// <summary>A test that needs the Aspire dashboard; skipped, saying why, where its package cannot be restored.</summary>
public sealed class AspireDashboardFactAttribute : FactAttribute
{
    public AspireDashboardFactAttribute()
    {
        if (AspireDashboard.Unavailable is { } why)
        {
            Skip = $"The Aspire dashboard cannot run here: {why}";
        }
    }
}

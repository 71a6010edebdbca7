using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Hoist.Telemetry;

/// <summary>
/// Exports Hoist's traces, metrics and log records over OTLP wherever the standard <c>OTEL_EXPORTER_OTLP_*</c>
/// settings point: in every worker, and in a caller that uses <see cref="HoistApplication.StartAsync(string[], Action{Microsoft.Extensions.Hosting.HostApplicationBuilder}, CancellationToken)"/>.
/// The OpenTelemetry SDK reads those settings (and <c>OTEL_RESOURCE_ATTRIBUTES</c>, <c>OTEL_BSP_*</c>,
/// <c>OTEL_METRIC_EXPORT_INTERVAL</c>...) from configuration, which includes the environment; a local worker inherits
/// its caller's environment, and the Kubernetes backend copies them into every pod.
/// </summary>
internal static class OtlpExport
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceNameSetting = "OTEL_SERVICE_NAME";

    /// <summary>Only with an endpoint: without one, nothing is exported and no OpenTelemetry code runs.</summary>
    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[EndpointSetting]);

    /// <summary>
    /// The caller's half of each call, as the resource <c>OTEL_SERVICE_NAME</c> or else the application's name; nothing
    /// when the app registered OpenTelemetry itself. Its own method, so that an app without an endpoint never loads
    /// the OpenTelemetry assemblies.
    /// </summary>
    public static void AddToCaller(HostApplicationBuilder builder)
    {
        if (!builder.Services.Any(d => d.ServiceType == typeof(TracerProvider)))
        {
            Add(builder.Services, builder.Configuration[ServiceNameSetting] ?? builder.Environment.ApplicationName, instanceId: null);
        }
    }

    /// <summary>
    /// Exports as the resource <paramref name="serviceName"/>, with <paramref name="instanceId"/> as its
    /// <c>service.instance.id</c> (a worker's replica) when given.
    /// </summary>
    public static void Add(IServiceCollection services, string serviceName, string? instanceId)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: instanceId, autoGenerateServiceInstanceId: instanceId is null))
            .WithTracing(tracing => tracing.AddHoistInstrumentation().AddOtlpExporter())
            .WithMetrics(metrics => metrics.AddHoistInstrumentation().AddOtlpExporter())

            // Log records too, with the trace and span of the call they were written in: the dashboard shows a
            // worker's records under the call's trace.
            .WithLogging(log => log.AddOtlpExporter(), options =>
            {
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
            });
    }
}

using Hoist.Telemetry;

namespace Hoist.Runtime.Tests.Telemetry;

public sealed class TelemetryVariablesTests
{
    [Fact]
    public void EveryOtelSetting_GoesToTheWorkers_InNameOrder_ButTheServiceName()
    {
        var variables = TelemetryVariables.From(
        [
            new("PATH", "/usr/bin"),
            new("OTEL_SERVICE_NAME", "shop"),
            new("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging"),
            new("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            new("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=k"),
            new("otel_exporter_otlp_protocol", "grpc"),
            new("OTEL_BSP_SCHEDULE_DELAY", ""),
            new("HOIST_ROLE", "worker"),
        ]);

        Assert.Equal(
            [
                new("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
                new("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=k"),
                new("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging"),
            ],
            variables.ToArray());
    }
}

using Hoist;

namespace OpenTelemetry.Trace
{
    /// <summary>Hoist's spans on an OpenTelemetry tracer: a client span per call and, in the worker, its server span.</summary>
    public static class HoistTracerProviderBuilderExtensions
    {
        public static TracerProviderBuilder AddHoistInstrumentation(this TracerProviderBuilder builder) =>
            builder.AddSource(HoistTelemetry.ActivitySourceName);
    }
}

namespace OpenTelemetry.Metrics
{
    /// <summary>Hoist's metrics on an OpenTelemetry meter provider: call durations, calls in flight, replicas, cold starts, scaling.</summary>
    public static class HoistMeterProviderBuilderExtensions
    {
        public static MeterProviderBuilder AddHoistInstrumentation(this MeterProviderBuilder builder) =>
            builder.AddMeter(HoistTelemetry.MeterName);
    }
}

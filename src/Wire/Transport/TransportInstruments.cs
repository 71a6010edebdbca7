using System.Diagnostics.Metrics;
using static Hoist.HoistTelemetry;

namespace Hoist.Transport;

/// <summary>
/// The transport's instruments on the <c>Hoist</c> meter. A meter is found by name, so this second instance of it (the
/// runtime's instruments are in src/Runtime/Telemetry/HoistInstruments.cs) reaches the same listeners and exporters.
/// </summary>
internal static class TransportInstruments
{
    private static readonly Meter s_meter = new(MeterName, typeof(TransportInstruments).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> s_sharedMemoryFallbacks = s_meter.CreateCounter<long>(
        Instruments.SharedMemoryFallbacks, unit: "{payload}", description: "Payloads sent inline because shared memory could not take them.");

    public static void RecordSharedMemoryFallback(string service, string payload, string when) =>
        s_sharedMemoryFallbacks.Add(
            1,
            new KeyValuePair<string, object?>(Attributes.Service, service),
            new KeyValuePair<string, object?>(Attributes.TransportPayload, payload),
            new KeyValuePair<string, object?>(Attributes.TransportFallback, when));
}

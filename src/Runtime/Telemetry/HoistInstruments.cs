using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using static Hoist.HoistTelemetry;

namespace Hoist.Telemetry;

/// <summary>
/// Hoist's one ActivitySource and one Meter, and every instrument on it. Process-wide, as OpenTelemetry expects:
/// a listener subscribes by name, and nothing is measured until one does.
/// </summary>
internal static class HoistInstruments
{
    private static readonly string? s_version = typeof(HoistInstruments).Assembly.GetName().Version?.ToString();

    // Every live backend that can say how its services scale; the gauges read them when a listener collects.
    private static readonly ConcurrentDictionary<IServiceStatusSource, byte> s_statusSources = new();

    public static readonly ActivitySource Source = new(ActivitySourceName, s_version);

    public static readonly Meter Meter = new(MeterName, s_version);

    public static readonly Histogram<double> ClientCallDuration = Meter.CreateHistogram(
        Instruments.ClientCallDuration,
        unit: "s",
        description: "Duration of Hoist calls as the caller sees them.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    public static readonly UpDownCounter<long> CallsInFlight = Meter.CreateUpDownCounter<long>(
        Instruments.CallsInFlight, unit: "{call}", description: "Hoist calls sent and not yet answered.");

    public static readonly Counter<long> ColdStarts = Meter.CreateCounter<long>(
        Instruments.ColdStarts, unit: "{start}", description: "Replicas started while their service had none ready.");

    public static readonly Histogram<double> ColdStartDuration = Meter.CreateHistogram<double>(
        Instruments.ColdStartDuration, unit: "s", description: "From a cold start's launch to its replica serving.");

    public static readonly Counter<long> ScaleDecisions = Meter.CreateCounter<long>(
        Instruments.ScaleDecisions, unit: "{decision}", description: "Decisions that changed a service's desired replicas.");

    public static readonly ObservableGauge<int> DesiredReplicas = Meter.CreateObservableGauge(
        Instruments.DesiredReplicas, () => Observe(static s => s.DesiredReplicas), unit: "{replica}", description: "Replicas the autoscaler wants.");

    public static readonly ObservableGauge<int> ReadyReplicas = Meter.CreateObservableGauge(
        Instruments.ReadyReplicas, () => Observe(static s => s.ReadyReplicas), unit: "{replica}", description: "Replicas serving calls.");

    public static readonly ObservableGauge<int> ActivatorQueueLength = Meter.CreateObservableGauge(
        Instruments.ActivatorQueueLength, () => Observe(static s => s.QueuedCalls), unit: "{call}", description: "Calls waiting for a ready replica.");

    /// <summary>Whether a call has anyone to report to; checked once per call, so a call nobody observes does no telemetry work.</summary>
    public static bool IsCallObserved => Source.HasListeners() || ClientCallDuration.Enabled || CallsInFlight.Enabled;

    /// <summary>Reports a backend's services to the replica and queue gauges until the returned handle is disposed.</summary>
    public static IDisposable TrackStatus(IServiceStatusSource source)
    {
        s_statusSources[source] = 0;
        return new Untrack(source);
    }

    public static void RecordColdStart(string service, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>(Attributes.Service, service);
        ColdStarts.Add(1, tag);
        ColdStartDuration.Record(duration.TotalSeconds, tag);
    }

    public static void RecordScaleDecision(string service, int previous, int desired, string trigger)
    {
        if (previous != desired && ScaleDecisions.Enabled)
        {
            ScaleDecisions.Add(
                1,
                new KeyValuePair<string, object?>(Attributes.Service, service),
                new KeyValuePair<string, object?>(Attributes.ScaleDirection, desired > previous ? "up" : "down"),
                new KeyValuePair<string, object?>(Attributes.ScaleTrigger, trigger));
        }
    }

    private static IEnumerable<Measurement<int>> Observe(Func<ServiceGauges, int> value)
    {
        foreach (var source in s_statusSources.Keys)
        {
            foreach (var status in source.Gauges())
            {
                yield return new Measurement<int>(value(status), new KeyValuePair<string, object?>(Attributes.Service, status.Service));
            }
        }
    }

    private sealed class Untrack(IServiceStatusSource source) : IDisposable
    {
        public void Dispose() => s_statusSources.TryRemove(source, out _);
    }
}

/// <summary>A backend that can report how each of its running services scales, cheaply and without I/O.</summary>
internal interface IServiceStatusSource
{
    IEnumerable<ServiceGauges> Gauges();
}

/// <summary>What the replica and queue gauges read of one service: the counts of its <c>ServiceStatus</c>.</summary>
internal readonly record struct ServiceGauges(string Service, int DesiredReplicas, int ReadyReplicas, int QueuedCalls);

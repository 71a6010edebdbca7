namespace Hoist;

/// <summary>
/// The names under which Hoist reports its calls, for an app that listens with OpenTelemetry:
/// <c>tracing.AddSource(HoistTelemetry.ActivitySourceName)</c> and <c>metrics.AddMeter(HoistTelemetry.MeterName)</c>,
/// or <c>AddHoistInstrumentation()</c> on either builder. Spans and metrics follow OpenTelemetry's RPC conventions,
/// with <c>rpc.system</c> = <c>hoist</c>, <c>rpc.service</c> the Hoist service and <c>rpc.method</c> the method.
/// </summary>
public static class HoistTelemetry
{
    /// <summary>The ActivitySource of a client span per call in the caller and a server span per call in the worker.</summary>
    public const string ActivitySourceName = "Hoist";

    /// <summary>The Meter of the instruments named in <see cref="Instruments"/>.</summary>
    public const string MeterName = "Hoist";

    /// <summary>The instruments of <see cref="MeterName"/>.</summary>
    public static class Instruments
    {
        /// <summary>Histogram, seconds: a call from the proxy to its answer (a stream: to its last item), the activator's wait included.</summary>
        public const string ClientCallDuration = "rpc.client.call.duration";

        /// <summary>UpDownCounter: calls the caller has sent and not yet had answered.</summary>
        public const string CallsInFlight = "hoist.client.calls.in_flight";

        /// <summary>Gauge: the replicas the autoscaler (or the activator, waking a service) wants.</summary>
        public const string DesiredReplicas = "hoist.replicas.desired";

        /// <summary>Gauge: the replicas serving calls.</summary>
        public const string ReadyReplicas = "hoist.replicas.ready";

        /// <summary>Gauge: calls waiting in the activator for a replica to become ready.</summary>
        public const string ActivatorQueueLength = "hoist.activator.queue_length";

        /// <summary>Counter: replicas started while the service had none ready, so calls waited for them.</summary>
        public const string ColdStarts = "hoist.cold_starts";

        /// <summary>Histogram, seconds: from a cold start's launch to its replica serving.</summary>
        public const string ColdStartDuration = "hoist.cold_start.duration";

        /// <summary>Counter: decisions that changed a service's desired replicas, by direction (up or down) and trigger.</summary>
        public const string ScaleDecisions = "hoist.scale.decisions";

        /// <summary>
        /// Counter: payloads that went inline because shared memory could not take them (a full or small /dev/shm), by
        /// payload (arguments or result) and when (planned: never written; failed: the write ran out of space).
        /// </summary>
        public const string SharedMemoryFallbacks = "hoist.transport.shm_fallbacks";
    }

    /// <summary>The attributes Hoist adds beside OpenTelemetry's own.</summary>
    public static class Attributes
    {
        public const string RpcSystem = "rpc.system";
        public const string RpcService = "rpc.service";
        public const string RpcMethod = "rpc.method";
        public const string ErrorType = "error.type";

        /// <summary>The worker's replica, for example <c>greet-2</c> or <c>train-1-rank3</c>.</summary>
        public const string Replica = "hoist.replica";

        /// <summary>The worker's rank in a distributed group.</summary>
        public const string Rank = "hoist.rank";

        /// <summary>True on the span of a call to a method that returns <c>IAsyncEnumerable&lt;T&gt;</c>.</summary>
        public const string Streaming = "hoist.streaming";

        /// <summary>The service a replica or scaling metric is about; the same value as <c>rpc.service</c>.</summary>
        public const string Service = "hoist.service";

        /// <summary><c>up</c> or <c>down</c>.</summary>
        public const string ScaleDirection = "hoist.scale.direction";

        /// <summary><c>autoscaler</c> (a KPA tick) or <c>activator</c> (a call found no replica ready).</summary>
        public const string ScaleTrigger = "hoist.scale.trigger";

        /// <summary>Of a shared-memory fallback: <c>arguments</c> (the caller's) or <c>result</c> (the worker's).</summary>
        public const string TransportPayload = "hoist.transport.payload";

        /// <summary>Of a shared-memory fallback: <c>planned</c> (too big for the free space, never written) or <c>failed</c> (a write ran out of space, or the region could not be made).</summary>
        public const string TransportFallback = "hoist.transport.fallback";
    }

    /// <summary>The value of <c>rpc.system</c>: Hoist is the remoting system, gRPC only its transport.</summary>
    public const string RpcSystemName = "hoist";
}

using System.Diagnostics;
using Grpc.Core;
using Hoist.Protocol;

namespace Hoist.Telemetry;

/// <summary>
/// W3C trace context between caller and worker. A unary or server-streaming call carries it in the gRPC metadata
/// (<c>traceparent</c>, <c>tracestate</c>); a call sent as a frame on a worker's long-lived call stream carries it in
/// its <see cref="InvokeRequest"/>, since every frame of that stream shares one set of headers.
/// </summary>
internal static class TraceContext
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    /// <summary>The call's headers: <paramref name="headers"/> itself when no activity is current, so an untraced call allocates nothing.</summary>
    public static Metadata Headers(Metadata headers)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } activity)
        {
            return headers;
        }

        var traced = new Metadata();
        foreach (var entry in headers)
        {
            traced.Add(entry);
        }

        traced.Add(TraceParentHeader, activity.Id!);
        if (activity.TraceStateString is { Length: > 0 } state)
        {
            traced.Add(TraceStateHeader, state);
        }

        return traced;
    }

    /// <summary>Writes the current activity's context into a call sent on a call stream.</summary>
    public static void Stamp(InvokeRequest request)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            request.Traceparent = activity.Id!;
            request.Tracestate = activity.TraceStateString ?? "";
        }
    }
}

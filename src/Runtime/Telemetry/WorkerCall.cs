using System.Diagnostics;
using Hoist.Hosting;
using Hoist.Configuration;
using static Hoist.HoistTelemetry;

namespace Hoist.Telemetry;

/// <summary>
/// The server span of one call in a worker, a child of the caller's client span. It is current while the method
/// runs, so the method's log records carry its trace and span ids, and so does anything the method traces itself.
/// </summary>
internal static class WorkerCall
{
    /// <summary>
    /// A span when this worker exports traces, or when the caller traces the call. In the second case, with nobody
    /// listening here, the activity is not recorded: it only carries the caller's trace id into the log records.
    /// Null when neither, so an untraced call does no work.
    /// </summary>
    public static Activity? Start(WorkerEnvironment environment, string method, string? traceParent, string? traceState, bool streaming = false)
    {
        var hasParent = ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        var name = $"{environment.ServiceName}/{method}";
        if (HoistInstruments.Source.HasListeners())
        {
            var tags = new TagList
            {
                { Attributes.RpcSystem, RpcSystemName },
                { Attributes.RpcService, environment.ServiceName },
                { Attributes.RpcMethod, method },
            };
            if (environment.ReplicaName is { } replica)
            {
                tags.Add(Attributes.Replica, replica);
            }

            if (environment.Rank is { } rank)
            {
                tags.Add(Attributes.Rank, rank);
            }

            if (streaming)
            {
                tags.Add(Attributes.Streaming, true);
            }

            if (HoistInstruments.Source.StartActivity(name, ActivityKind.Server, parent, tags) is { } recorded)
            {
                return recorded;
            }
        }

        return hasParent ? new Activity(name).SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags).Start() : null;
    }

    /// <summary>The user's method threw: the caller gets a RemoteException of this type.</summary>
    public static void Failed(Activity? activity, string errorType, string message)
    {
        activity?.SetTag(Attributes.ErrorType, errorType).SetStatus(ActivityStatusCode.Error, message);
    }
}

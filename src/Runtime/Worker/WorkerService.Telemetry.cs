using System.Diagnostics;
using Grpc.Core;
using Hoist.Protocol;
using Hoist.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Hoist.Worker;

internal sealed partial class WorkerService
{
    /// <summary>
    /// Runs a call inside its server span when the caller traces it or this worker exports traces; otherwise
    /// straight through, so an untraced call costs one check.
    /// </summary>
    private Task<InvokeResponse> RunCallAsync(InvokeRequest request, string? traceParent, string? traceState, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(traceParent) && !HoistInstruments.Source.HasListeners()
            ? RunAsync(request, cancellationToken)
            : RunTracedAsync(request, traceParent, traceState, cancellationToken);

    private async Task<InvokeResponse> RunTracedAsync(InvokeRequest request, string? traceParent, string? traceState, CancellationToken cancellationToken)
    {
        using var activity = WorkerCall.Start(environment, request.Method, traceParent, traceState);
        try
        {
            var response = await RunAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.OutcomeCase == InvokeResponse.OutcomeOneofCase.Error)
            {
                WorkerCall.Failed(activity, response.Error.Type, response.Error.Message);
            }

            return response;
        }
        catch (RpcException ex)
        {
            WorkerCall.Failed(activity, ex.StatusCode.ToString(), ex.Status.Detail);
            throw;
        }
    }

    /// <summary>A W3C trace context header of a unary or server-streaming call, read straight from Kestrel's header table.</summary>
    private static string? TraceHeader(ServerCallContext context, string name) =>
        context.GetHttpContext().Request.Headers.TryGetValue(name, out var value) ? value.ToString() : null;
}

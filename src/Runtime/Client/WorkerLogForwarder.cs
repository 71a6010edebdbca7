using Grpc.Core;
using Hoist.Protocol;
using Microsoft.Extensions.Logging;
using Hoist.Transport;

namespace Hoist.Client;

/// <summary>
/// Shows a worker's log records through the caller's logger, with their level and category, prefixed
/// with the worker's replica and rank. Any backend can use it: it only needs the worker's endpoint.
/// </summary>
internal static partial class WorkerLogForwarder
{
    /// <summary>Forwards until the worker stops or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task RunAsync(WorkerEndpoint endpoint, ILogger logger, CancellationToken cancellationToken, bool includeBuffered = true)
    {
        try
        {
            using var call = endpoint.Client.StreamLogs(new StreamLogsRequest { IncludeBuffered = includeBuffered }, endpoint.Headers, cancellationToken: cancellationToken);
            await foreach (var record in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Forward(logger, record);
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException)
        {
            // The worker stopped or went away; its last words came through its stderr.
        }
    }

    internal static void Forward(ILogger logger, LogRecord record)
    {
        var level = Enum.TryParse<LogLevel>(record.Level, out var parsed) ? parsed : LogLevel.Information;
        // A rank's replica name already says its rank: "train-1-rank2".
        var worker = record.Replica;
        var message = record.Exception.Length == 0 ? record.Message : $"{record.Message}{Environment.NewLine}{record.Exception}";

        // A record written inside a traced call keeps its trace and span ids, as the scope logging providers show.
        using var scope = record.TraceId.Length == 0 ? null : logger.BeginScope(new TraceScope(record.TraceId, record.SpanId));
        LogRecord(logger, level, worker, record.Category, message);
    }

    /// <summary>The scope of a forwarded record written inside a traced call, with the names ASP.NET Core uses for its own.</summary>
    internal sealed class TraceScope(string traceId, string spanId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string TraceId { get; } = traceId;

        public string SpanId { get; } = spanId;

        public int Count => 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("TraceId", TraceId),
            1 => new("SpanId", SpanId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"TraceId:{TraceId} SpanId:{SpanId}";
    }

    [LoggerMessage(Message = "[{Worker}] {Category}: {Message}")]
    private static partial void LogRecord(ILogger logger, LogLevel level, string worker, string category, string message);
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Hoist.Hosting;
using Hoist.Protocol;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;

namespace Hoist.Worker;

/// <summary>
/// Keeps a worker's recent log records and fans new ones out to StreamLogs subscribers. A slow subscriber
/// loses its oldest records rather than slowing the worker down.
/// </summary>
internal sealed class WorkerLogBuffer(WorkerEnvironment environment)
{
    private const int Capacity = 512;

    private readonly Queue<LogRecord> _recent = new();
    private readonly List<Channel<LogRecord>> _subscribers = [];
    private readonly Lock _gate = new();

    public void Add(string source, LogLevel level, string category, string message, Exception? exception)
    {
        var record = new LogRecord
        {
            TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Source = source,
            Level = level.ToString(),
            Category = category,
            Message = message,
            Exception = exception?.ToString() ?? "",
            Service = environment.ServiceName,
            Replica = environment.ReplicaName ?? "",
        };
        if (environment.Rank is { } rank)
        {
            record.Rank = rank;
        }

        // Written inside a call: the call's server span, so the caller can tie the record to its trace.
        if (Activity.Current is { } activity)
        {
            record.TraceId = activity.TraceId.ToHexString();
            record.SpanId = activity.SpanId.ToHexString();
        }

        lock (_gate)
        {
            if (_recent.Count == Capacity)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(record);
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(record);
            }
        }
    }

    public async IAsyncEnumerable<LogRecord> SubscribeAsync(bool includeBuffered, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<LogRecord>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            if (includeBuffered)
            {
                foreach (var record in _recent)
                {
                    channel.Writer.TryWrite(record);
                }
            }

            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var record in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return record;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}

/// <summary>Feeds every ILogger record in the worker into the <see cref="WorkerLogBuffer"/>.</summary>
internal sealed class WorkerLogBufferProvider(WorkerLogBuffer buffer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new BufferLogger(buffer, categoryName);

    public void Dispose()
    {
    }

    private sealed class BufferLogger(WorkerLogBuffer buffer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                buffer.Add("log", logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Hoist.EndToEnd.Tests;

/// <summary>Keeps every record the caller's loggers write, at every level, for a test to read back.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLine> _lines = new();

    public IReadOnlyCollection<CapturedLine> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    // The scopes open where a record is written, innermost first.
    private static readonly AsyncLocal<ScopeFrame?> s_scopes = new();

    private sealed class Logger(string category, ConcurrentQueue<CapturedLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            var frame = new ScopeFrame(state, s_scopes.Value);
            s_scopes.Value = frame;
            return frame;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<object>();
            for (var frame = s_scopes.Value; frame is not null; frame = frame.Outer)
            {
                scopes.Add(frame.State);
            }

            lines.Enqueue(new CapturedLine(category, logLevel, formatter(state, exception), exception?.ToString()) { Scopes = scopes });
        }
    }

    private sealed class ScopeFrame(object state, ScopeFrame? outer) : IDisposable
    {
        public object State { get; } = state;

        public ScopeFrame? Outer { get; } = outer;

        public void Dispose() => s_scopes.Value = Outer;
    }
}

/// <summary>One captured record: its category, level, message and exception, if any.</summary>
internal sealed record CapturedLine(string Category, LogLevel Level, string Message, string? Exception)
{
    /// <summary>The scopes the record was written in, innermost first.</summary>
    public IReadOnlyList<object> Scopes { get; init; } = [];

    /// <summary>Everything the record says, as one string a test can search.</summary>
    public string Text => $"{Category} {Level}: {Message} {Exception}";
}

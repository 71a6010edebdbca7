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

    private sealed class Logger(string category, ConcurrentQueue<CapturedLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new CapturedLine(category, logLevel, formatter(state, exception), exception?.ToString()));
    }
}

/// <summary>One captured record: its category, level, message and exception, if any.</summary>
internal sealed record CapturedLine(string Category, LogLevel Level, string Message, string? Exception)
{
    /// <summary>Everything the record says, as one string a test can search.</summary>
    public string Text => $"{Category} {Level}: {Message} {Exception}";
}

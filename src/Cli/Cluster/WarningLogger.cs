using Microsoft.Extensions.Logging;

namespace Hoist.Cli.Cluster;

/// <summary>
/// The cluster client's warnings (a 403 on a kind the namespace does not use, a Knative ConfigMap it may not read)
/// as the CLI's own <c>warning:</c> lines on stderr; its information and debug records are not for a terminal.
/// </summary>
internal sealed class WarningLogger(TextWriter error) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            error.WriteLine($"{(logLevel == LogLevel.Warning ? "warning" : "error")}: {formatter(state, exception)}");
        }
    }
}

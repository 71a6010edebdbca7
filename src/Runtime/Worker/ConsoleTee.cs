using System.Text;
using Microsoft.Extensions.Logging;

namespace Hoist.Worker;

/// <summary>
/// Copies what a worker in a pod writes through <see cref="Console"/> into its log stream, line by line,
/// while still writing it to the real stdout and stderr.
/// </summary>
internal sealed class ConsoleTee : TextWriter
{
    private readonly TextWriter _inner;
    private readonly WorkerLogBuffer _logs;
    private readonly string _source;
    private readonly StringBuilder _line = new();
    private readonly Lock _gate = new();

    private ConsoleTee(TextWriter inner, WorkerLogBuffer logs, string source)
    {
        _inner = inner;
        _logs = logs;
        _source = source;
    }

    public override Encoding Encoding => _inner.Encoding;

    public static void Install(WorkerLogBuffer logs)
    {
        Console.SetOut(new ConsoleTee(Console.Out, logs, "stdout"));
        Console.SetError(new ConsoleTee(Console.Error, logs, "stderr"));
    }

    public override void Write(char value)
    {
        _inner.Write(value);
        lock (_gate)
        {
            if (value == '\n')
            {
                Flush(_line);
            }
            else if (value != '\r')
            {
                _line.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        _inner.Write(value);
        if (value is null)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var c in value)
            {
                if (c == '\n')
                {
                    Flush(_line);
                }
                else if (c != '\r')
                {
                    _line.Append(c);
                }
            }
        }
    }

    public override void Flush() => _inner.Flush();

    private void Flush(StringBuilder line)
    {
        _logs.Add(_source, _source == "stderr" ? LogLevel.Warning : LogLevel.Information, _source, line.ToString(), exception: null);
        line.Clear();
    }
}

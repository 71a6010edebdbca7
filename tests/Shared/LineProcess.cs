using System.Collections.Concurrent;
using System.Diagnostics;

namespace Hoist.Testing;

/// <summary>A long-running process (say, <c>hoist dev</c>) whose output lines a test or benchmark waits for; disposing kills its tree.</summary>
internal sealed class LineProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private int _read;

    private LineProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Everything printed so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output => string.Join('\n', _lines);

    public static LineProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return new LineProcess(Process.Start(start)!);
    }

    /// <summary>The next line, from the ones not yet consumed, that contains <paramref name="text"/>; throws <see cref="TimeoutException"/> with the output when none comes.</summary>
    public Task<string> WaitForLineAsync(string text, TimeSpan timeout) => WaitAsync(text, timeout, consume: true);

    /// <summary>
    /// A line containing <paramref name="text"/> anywhere in the output, consumed or not, leaving what is consumed as it is:
    /// for a line on stderr, whose order against the lines on stdout is not kept (each stream is read on its own).
    /// </summary>
    public Task<string> WaitForLineAnywhereAsync(string text, TimeSpan timeout) => WaitAsync(text, timeout, consume: false);

    private async Task<string> WaitAsync(string text, TimeSpan timeout, bool consume)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = _lines.ToArray();
            for (var i = consume ? _read : 0; i < lines.Length; i++)
            {
                if (lines[i].Contains(text, StringComparison.Ordinal))
                {
                    if (consume)
                    {
                        _read = i + 1;
                    }

                    return lines[i];
                }
            }

            if (consume)
            {
                _read = lines.Length;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _process.HasExited)
            {
                throw new TimeoutException($"No line with '{text}' (exited: {_process.HasExited}). Output so far:\n{Output}");
            }

            await _arrived.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The lines not yet consumed by <see cref="WaitForLineAsync"/>, consumed now.</summary>
    public IReadOnlyList<string> TakeLines()
    {
        var lines = _lines.ToArray();
        var taken = lines[_read..];
        _read = lines.Length;
        return taken;
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _arrived.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
            _arrived.Release();
        }
    }
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Hoist.TestApp;

/// <summary>Methods that stream their results; each tag records how far its stream got and whether its token fired.</summary>
[Compute(Name = "streams", LaunchTimeout = 60)]
public sealed partial class Streams
{
    private readonly ConcurrentDictionary<string, int> _yielded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _cancelled = new(StringComparer.Ordinal);

    public async IAsyncEnumerable<int> Count(int count, int delayMilliseconds, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            if (delayMilliseconds > 0)
            {
                await Task.Delay(delayMilliseconds, cancellationToken);
            }

            yield return i;
        }
    }

    /// <summary>Yields <paramref name="count"/> arrays of <paramref name="size"/> bytes as fast as the reader takes them.</summary>
    public async IAsyncEnumerable<byte[]> Produce(string tag, int count, int size, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.Register(() => _cancelled[tag] = true);
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            _yielded[tag] = i + 1;
            yield return new byte[size];
        }
    }

    public int Yielded(string tag) => _yielded.GetValueOrDefault(tag);

    public bool WasCancelled(string tag) => _cancelled.GetValueOrDefault(tag);

    public async IAsyncEnumerable<string> FailAfter(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return "item " + i;
        }

        throw new InvalidOperationException($"failed after {count} items");
    }
}

/// <summary>Streams until its worker is killed; no other test uses its worker.</summary>
public static partial class StreamVictim
{
    [Compute(Name = "stream-victim", LaunchTimeout = 60)]
    public static async IAsyncEnumerable<int> Pulse([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return Environment.ProcessId;
        while (true)
        {
            await Task.Delay(50, cancellationToken);
            yield return 0;
        }
    }
}

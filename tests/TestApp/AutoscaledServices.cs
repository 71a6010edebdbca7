namespace Hoist.TestApp;

/// <summary>
/// An autoscaled service for the scaling tests: Knative's shortest window (6 s, so a 1 s panic window),
/// 3 calls in flight per replica, scale to zero 2 s after a quiet window. Every call it runs is written
/// to a journal file of its worker, so a test can prove no call was lost or run twice.
/// </summary>
[Compute(Name = "elastic", LaunchTimeout = 60)]
[Autoscale(Target = 3, TargetUtilization = 100, Window = "6s", ScaleToZeroGracePeriod = 2, MaxScale = 12)]
public partial class Elastic
{
    private readonly Lock _journalGate = new();

    public async Task<int> WorkAsync(string callId, int milliseconds, string journalDirectory, CancellationToken cancellationToken)
    {
        lock (_journalGate)
        {
            File.AppendAllText(Path.Combine(journalDirectory, $"{Environment.ProcessId}.log"), callId + "\n");
        }

        await Task.Delay(milliseconds, cancellationToken);
        return Environment.ProcessId;
    }
}

/// <summary>Torn down after 3 s without calls; the next call brings it back.</summary>
[Compute(Name = "short-lived", InactivityTtl = "3s", LaunchTimeout = 60)]
public partial class ShortLived
{
    public int ProcessId() => Environment.ProcessId;
}

/// <summary>Starts at zero replicas; used with a tiny activator queue to prove overflow is refused, not dropped.</summary>
[Compute(Name = "cold", LaunchTimeout = 60)]
[Autoscale(MinScale = 0, InitialScale = 1, Window = "6s")]
public partial class Cold
{
    public int ProcessId() => Environment.ProcessId;
}

/// <summary>Three replicas held by MinScale, for the test that concurrent callers spread over every ready replica.</summary>
[Compute(Name = "trio", LaunchTimeout = 60)]
[Autoscale(MinScale = 3, MaxScale = 3, InitialScale = 3)]
public partial class Trio
{
    public async Task<int> ProcessIdAfterAsync(int milliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(milliseconds, cancellationToken);
        return Environment.ProcessId;
    }
}

/// <summary>
/// One replica that runs one call at once ([Autoscale(ContainerConcurrency = 1)]): every call reports the most calls
/// its worker ran at the same time, which the limit keeps at one while the others wait for the slot.
/// </summary>
[Compute(Name = "one-slot", LaunchTimeout = 60)]
[Autoscale(ContainerConcurrency = 1, MinScale = 1, MaxScale = 1)]
public partial class OneSlot
{
    private static int s_running;
    private static int s_peak;

    public async Task<int> PeakAfterAsync(int milliseconds, CancellationToken cancellationToken)
    {
        var running = Interlocked.Increment(ref s_running);
        InterlockedMax(ref s_peak, running);
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
            return Volatile.Read(ref s_peak);
        }
        finally
        {
            Interlocked.Decrement(ref s_running);
        }
    }

    private static void InterlockedMax(ref int location, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref location)) && Interlocked.CompareExchange(ref location, value, seen) != seen)
        {
        }
    }
}

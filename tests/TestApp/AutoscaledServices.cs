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

using Hoist;

namespace Autoscaling;

/// <summary>
/// A service that takes a while per call, autoscaled on concurrency: 4 calls in flight per replica,
/// Knative's shortest window (6 s) so the demo moves quickly, and scale to zero 3 s after a quiet window.
/// </summary>
[Compute(Name = "thumbnailer", LaunchTimeout = 60)]
[Autoscale(Target = 4, TargetUtilization = 100, Window = "6s", MaxScale = 8, ScaleToZeroGracePeriod = 3)]
public partial class Thumbnailer
{
    public async Task<int> RenderAsync(int milliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(milliseconds, cancellationToken);
        return Environment.ProcessId;
    }
}

using Hoist;
using Microsoft.Extensions.Logging;

namespace Telemetry;

/// <summary>
/// An autoscaled class service that logs inside each call: in the dashboard each call is one trace, the worker's
/// span under the caller's, and this record under the worker's span.
/// </summary>
[Compute(Name = "resizer", LaunchTimeout = 60)]
[Autoscale(Target = 2, TargetUtilization = 100, Window = "6s", ScaleToZeroGracePeriod = 2, MaxScale = 6)]
public partial class Resizer(ILogger<Resizer> logger)
{
    public async Task<string> ResizeAsync(string image, int milliseconds, CancellationToken cancellationToken)
    {
        logger.LogInformation("Resizing {Image} ({Milliseconds} ms of work)", image, milliseconds);
        await Task.Delay(milliseconds, cancellationToken);
        return $"{image}@256px";
    }
}

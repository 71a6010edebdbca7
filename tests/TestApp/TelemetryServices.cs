using Microsoft.Extensions.Logging;

namespace Hoist.TestApp;

/// <summary>
/// Logs inside each call, for the telemetry tests. It scales from zero, so its first call is a cold start that the
/// activator decides; no other test calls it, so what the tests measure is theirs alone.
/// </summary>
[Compute(Name = "traced", LaunchTimeout = 60)]
[Autoscale(MinScale = 0, InitialScale = 1, Window = "6s")]
public partial class Traced(ILogger<Traced> logger)
{
    public string Echo(string words)
    {
        logger.LogInformation("echoing {Words}", words);
        return words;
    }
}

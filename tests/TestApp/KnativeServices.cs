namespace Hoist.TestApp;

/// <summary>
/// Two replicas held by MinScale, which on a cluster is a Knative Service of two pods: for the test that a caller
/// outside the cluster spreads its calls over the pods. Each call answers with its pod's name (a pod's host name).
/// </summary>
[Compute(Name = "duo", LaunchTimeout = 120)]
[Autoscale(MinScale = 2, MaxScale = 2, InitialScale = 2)]
public partial class Duo
{
    public async Task<string> HostAfterAsync(int milliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(milliseconds, cancellationToken);
        return Environment.MachineName;
    }
}

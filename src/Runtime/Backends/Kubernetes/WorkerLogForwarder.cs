using Microsoft.Extensions.Logging;
using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Shows one service's pod logs (the workers' log records, stdout and stderr) in this process's log, prefixed with the
/// pod, like the local backend does with its processes' output: one <see cref="PodLogFollower"/> per service, started
/// once the service is ready and stopped when it is torn down, when <see cref="KubernetesBackend.ForwardWorkerLogs"/>.
/// </summary>
internal sealed partial class WorkerLogForwarder(string service, KubernetesBackend backend, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _forwarding;
    private bool _disposed;

    /// <summary>Starts following the pods of <paramref name="layout"/>, unless already following (or off, or disposed).</summary>
    public void Start(ClusterClient cluster, ServiceLayout layout)
    {
        if (!backend.ForwardWorkerLogs)
        {
            return;
        }

        CancellationTokenSource forwarding;
        lock (_gate)
        {
            if (_forwarding is not null || _disposed)
            {
                return;
            }

            forwarding = _forwarding = new CancellationTokenSource();
        }

        var workerLogger = backend.LoggerFactory.CreateLogger($"Hoist.Worker.{service}");
        _ = PodLogFollower.FollowAsync(
            cluster,
            layout.Namespace,
            layout.PodSelector,
            tail: null,
            (pod, line) => LogWorkerLine(workerLogger, pod, line),
            onNoLog: null,
            time,
            forwarding.Token);
    }

    /// <summary>Stops following; a later <see cref="Start"/> follows again.</summary>
    public void Stop()
    {
        CancellationTokenSource? forwarding;
        lock (_gate)
        {
            forwarding = _forwarding;
            _forwarding = null;
        }

        forwarding?.Cancel();
        forwarding?.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        Stop();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Pod}] {Line}")]
    private static partial void LogWorkerLine(ILogger logger, string pod, string line);
}

namespace Hoist.Protocol;

/// <summary>
/// The parts of the worker protocol that are not in hoist.proto: what a caller and a worker, or a backend and a
/// worker process, agree on beside the gRPC messages. Both sides read them from here.
/// </summary>
internal static class WorkerProtocol
{
    /// <summary>The request header that carries the deployment's call token; a worker refuses calls without it.</summary>
    public const string TokenHeader = "x-hoist-token";

    /// <summary>The line a worker prints on stdout once it serves, then its address; the local backend waits for it.</summary>
    public const string ReadyLine = "HOIST_READY";

    /// <summary>
    /// The trailer a worker adds to a refused code sync when only a fresh process can run the new code (the service
    /// is frozen, or the change reaches the host's assemblies), so the caller starts fresh workers instead of failing.
    /// </summary>
    public const string FreshWorkersTrailer = "x-hoist-needs-fresh-workers";
}

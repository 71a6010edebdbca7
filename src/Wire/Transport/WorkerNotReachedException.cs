namespace Hoist.Transport;

/// <summary>
/// The connection to a worker could not be opened, so nothing sent on it reached the worker: a port-forward tunnel
/// the API server or the kubelet would not open (no ready pod, the pod's port refused). A call that fails with it
/// is sent again, as one to a port nobody listens on is.
/// </summary>
internal sealed class WorkerNotReachedException(string message, Exception? innerException = null) : IOException(message, innerException);

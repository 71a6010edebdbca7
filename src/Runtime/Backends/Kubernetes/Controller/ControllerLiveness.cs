using Hoist.Manifests;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// The controller's liveness: alive while its loop keeps finishing ticks, failed or not. A loop stuck past
/// <see cref="Stall"/> (a hung request the client never times out, a deadlock) reports NOT_SERVING under the
/// <c>grpc.health.v1</c> service name <see cref="ControllerManifests.LivenessServiceName"/>, and kubelet's liveness probe restarts the pod.
/// </summary>
internal static class ControllerLiveness
{
    /// <summary>
    /// How long a tick may take before the loop counts as stuck: a tick of many workloads makes several API requests
    /// each, and the client gives one up after 100 s.
    /// </summary>
    public static readonly TimeSpan Stall = TimeSpan.FromMinutes(5);

    /// <summary>How often the host re-reads the heartbeat.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>Whether a loop whose last tick ended at <paramref name="lastTickEnded"/> is alive at <paramref name="now"/>. Pure.</summary>
    public static bool IsAlive(DateTimeOffset lastTickEnded, DateTimeOffset now) => now - lastTickEnded < Stall;
}

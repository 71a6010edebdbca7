namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>What the activator tells a call it held: the workload's ready replicas, whether the call woke it, and how long it waited.</summary>
internal sealed record WorkloadActivation(int ReadyReplicas, bool Woken, TimeSpan Waited);

/// <summary>A call asked the controller's activator for a service the controller does not scale.</summary>
internal sealed class ServiceNotScaledException(string service, string app, string ns, IReadOnlyList<string> scaled)
    : Exception($"The Hoist controller of app '{app}' in namespace '{ns}' scales no service '{service}'" +
        (scaled.Count == 0 ? "; it scales none yet." : $"; it scales {string.Join(", ", scaled)}."))
{
    public string Service { get; } = service;
}

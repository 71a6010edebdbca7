using k8s.Models;

namespace Hoist.Kubernetes.Tests;

/// <summary>Hand-built pods and events in the shapes the kubelet and scheduler report them.</summary>
internal static class Pods
{
    public static V1Pod Pod(string name, string phase = "Pending", V1ContainerStatus? status = null, string? nodeName = "node-1", params V1PodCondition[] conditions) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { NodeName = nodeName, Containers = [new V1Container { Name = "worker", Image = "registry.example/app:1" }] },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = conditions,
            ContainerStatuses = status is null ? null : [status],
        },
    };

    public static V1ContainerStatus Waiting(string reason, string? message = null, int restarts = 0, V1ContainerStateTerminated? last = null) => new()
    {
        Name = "worker",
        Image = "registry.example/app:1",
        ImageID = "",
        Ready = false,
        RestartCount = restarts,
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } },
        LastState = last is null ? null : new V1ContainerState { Terminated = last },
    };

    public static V1ContainerStatus Running(bool ready) => new()
    {
        Name = "worker",
        Image = "registry.example/app:1",
        ImageID = "",
        Ready = ready,
        RestartCount = 0,
        State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } },
    };

    public static V1PodCondition Condition(string type, string status, string? reason = null, string? message = null) =>
        new() { Type = type, Status = status, Reason = reason, Message = message };

    public static Corev1Event Event(string kind, string name, string reason, string message, string type = "Warning", int secondsAgo = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{name}.{reason}", NamespaceProperty = "default" },
        InvolvedObject = new V1ObjectReference { Kind = kind, Name = name, NamespaceProperty = "default" },
        Reason = reason,
        Message = message,
        Type = type,
        LastTimestamp = DateTime.UtcNow.AddSeconds(-secondsAgo),
    };
}

using Hoist.Backends.Kubernetes;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Kubernetes.Tests;

/// <summary>A sync reaches every ready pod of a service by name (or IP), never whichever pod a Service picks.</summary>
public sealed class PodCodeSyncTests
{
    private static readonly KubernetesBackendOptions Settings = new() { Image = "registry.example/myapp:1.0" };

    private static ServiceLayout Layout(ServiceDescriptor descriptor) =>
        ServiceLayout.From(descriptor, ManifestRenderer.Render(descriptor, Descriptors.Options));

    private static V1Pod Ready(string name, string ip)
    {
        var pod = Pods.Pod(name, "Running", Pods.Running(ready: true), conditions: Pods.Condition("Ready", "True"));
        pod.Status.PodIP = ip;
        return pod;
    }

    [Fact]
    public void EveryReadyReplica_GetsAPortForwardOfItsOwn_AndPodsNotReadyOrGoingAreLeftOut()
    {
        var starting = Pods.Pod("probe-c", "Running", Pods.Running(ready: false), conditions: Pods.Condition("Ready", "False"));
        var going = Ready("probe-d", "10.0.0.4");
        going.Metadata.DeletionTimestamp = DateTime.UtcNow;

        var routes = PodCodeSync.Routes(Layout(Descriptors.Plain()), [Ready("probe-b", "10.0.0.2"), starting, Ready("probe-a", "10.0.0.1"), going], clusterDns: false, Settings)
            .Cast<PortForwardRoute>().ToArray();

        Assert.Equal(["probe-a", "probe-b"], routes.Select(r => r.Pod));
        Assert.All(routes, r => Assert.Equal(("ml", 50051, (string?)null), (r.Namespace, r.Port, r.PodSelector)));
    }

    [Fact]
    public void InTheCluster_EachPodIsReachedAtItsIp()
    {
        var routes = PodCodeSync.Routes(Layout(Descriptors.Plain()), [Ready("probe-a", "10.0.0.1"), Ready("probe-b", "fd00::2")], clusterDns: true, Settings)
            .Cast<DnsRoute>().ToArray();

        Assert.Equal([new Uri("http://10.0.0.1:50051"), new Uri("http://[fd00::2]:50051")], routes.Select(r => r.Address));
    }

    [Fact]
    public void RayCluster_SyncsItsHead_WhereTheWorkerRuns()
    {
        var layout = ServiceLayout.From(Descriptors.Ray(), ManifestRenderer.Render(Descriptors.Ray(), Descriptors.Options));

        Assert.EndsWith(",ray.io/node-type=head", PodCodeSync.WorkerPodSelector(layout), StringComparison.Ordinal);
        var plain = Layout(Descriptors.Plain());
        Assert.Equal(plain.PodSelector, PodCodeSync.WorkerPodSelector(plain));
    }
}

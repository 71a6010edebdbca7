using k8s.Models;

namespace Hoist.Manifests.Tests;

/// <summary>[Setup], [Volume], GpuType, SharedMemory, NodeSelector and Tolerations in every kind of pod the renderer writes.</summary>
public sealed class AroundTheMethodTests
{
    public static TheoryData<string> PodKinds => new() { "around", "around-autoscaled", "around-pytorch", "around-ray" };

    [Theory]
    [MemberData(nameof(PodKinds))]
    public void EveryVolume_IsAClaimMountedInTheWorker_WithItsPathInHoistVolume(string kind)
    {
        var descriptor = Samples.Kinds[kind];
        var objects = ManifestRenderer.Render(descriptor, Samples.Options);
        var pod = Pods(objects).First();
        var worker = pod.Containers.Single(c => c.Name == "worker");

        foreach (var volume in descriptor.Volumes)
        {
            var claim = Assert.Single(objects.OfType<V1PersistentVolumeClaim>(), c => c.Metadata.Name == volume.Name);
            Assert.Equal(["ReadWriteMany"], claim.Spec.AccessModes);
            Assert.Equal(volume.Size ?? "10Gi", claim.Spec.Resources.Requests["storage"].ToString());
            var podVolume = Assert.Single(pod.Volumes!, v => v.PersistentVolumeClaim?.ClaimName == volume.Name);
            Assert.Contains(worker.VolumeMounts!, m => m.Name == podVolume.Name && m.MountPath == volume.Path);
            Assert.Contains(worker.Env, e => e.Name == "HOIST_VOLUME_" + volume.Name.ToUpperInvariant().Replace('-', '_') && e.Value == volume.Path);
        }

        // A pod waits for its claims, so they come first.
        Assert.All(objects.Take(descriptor.Volumes.Count), o => Assert.IsType<V1PersistentVolumeClaim>(o));
    }

    [Theory]
    [MemberData(nameof(PodKinds))]
    public void SharedMemory_IsAMemoryBackedDevShm_OfThatSize(string kind)
    {
        var pod = Pods(ManifestRenderer.Render(Samples.Kinds[kind], Samples.Options)).First();

        var shm = Assert.Single(pod.Volumes!, v => v.Name == "dshm");
        Assert.Equal("Memory", shm.EmptyDir.Medium);
        Assert.Equal(Samples.Kinds[kind].Compute.SharedMemory, shm.EmptyDir.SizeLimit.ToString());
        Assert.All(pod.Containers, c => Assert.Contains(c.VolumeMounts!, m => m.Name == "dshm" && m.MountPath == "/dev/shm"));
    }

    [Theory]
    [MemberData(nameof(PodKinds))]
    public void SetupSteps_RunBeforeTheWorker_WhichTheScriptExecs(string kind)
    {
        var descriptor = Samples.Kinds[kind];
        var worker = Pods(ManifestRenderer.Render(descriptor, Samples.Options)).First().Containers.Single(c => c.Name == "worker");

        var without = Pods(ManifestRenderer.Render(descriptor with { Setup = [] }, Samples.Options)).First().Containers.Single(c => c.Name == "worker");

        Assert.Equal(["/bin/sh", "-c"], worker.Command.Take(2));
        Assert.Equal("sh", worker.Command[3]);
        Assert.All(Enumerable.Range(1, descriptor.Setup.Count), i => Assert.Contains($"setup step {i} of {descriptor.Setup.Count}", worker.Command[2], StringComparison.Ordinal));
        Assert.EndsWith("exec \"$@\"\n", worker.Command[2], StringComparison.Ordinal);
        Assert.Equal(without.Command, worker.Args);
    }

    [Fact]
    public void GpuTypeAndNodeSelector_AreOneNodeSelector_AndTolerationsFollowTheGpuOne()
    {
        var pod = Pods(ManifestRenderer.Render(Samples.Kinds["around"], Samples.Options)).Single();

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["cloud.google.com/gke-nodepool"] = "gpu",
                ["disktype"] = "ssd",
                ["nvidia.com/gpu.product"] = "NVIDIA-A100-SXM4-80GB",
            },
            pod.NodeSelector);
        Assert.Equal(
            [("nvidia.com/gpu", "Exists", null, "NoSchedule"), ("dedicated", "Equal", "ml", "NoSchedule"), ("spot", "Exists", null, "NoExecute"), ("reserved", "Exists", null, null)],
            pod.Tolerations!.Select(t => (t.Key, t.OperatorProperty, (string?)t.Value, (string?)t.Effect)));
    }

    [Fact]
    public void RayPods_AllGetTheGpuTypeAndVolumes_ButOnlyTheHoistWorkerRunsTheSetup()
    {
        var pods = Pods(ManifestRenderer.Render(Samples.Kinds["around-ray"], Samples.Options)).ToList();

        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal("NVIDIA-L4", p.NodeSelector!["nvidia.com/gpu.product"]));
        Assert.All(pods.SelectMany(p => p.Containers), c => Assert.Contains(c.VolumeMounts!, m => m.MountPath == "/results"));
        Assert.All(pods.SelectMany(p => p.Containers).Where(c => c.Name == ManifestRenderer.RayContainerName), c => Assert.Null(c.Command));
    }

    [Fact]
    public void AServiceWithout_HasNoneOfIt()
    {
        var pod = Pods(ManifestRenderer.Render(Samples.Kinds["plain"], Samples.Options)).Single();

        Assert.Null(pod.Volumes);
        Assert.Null(pod.NodeSelector);
        Assert.Null(pod.Tolerations);
        Assert.Null(pod.Containers.Single().Args);
        Assert.Null(pod.Containers.Single().VolumeMounts);
    }

    /// <summary>The pod specs of the rendered objects, as one shape: Knative's revision spec is a subset of a pod's.</summary>
    private static IEnumerable<V1PodSpec> Pods(IEnumerable<object> objects)
    {
        foreach (var item in objects)
        {
            switch (item)
            {
                case V1Deployment deployment:
                    yield return deployment.Spec.Template.Spec;
                    break;
                case V1StatefulSet set:
                    yield return set.Spec.Template.Spec;
                    break;
                case KnativeService knative:
                    var revision = knative.Spec.Template.Spec;
                    yield return new V1PodSpec { Containers = revision.Containers, NodeSelector = revision.NodeSelector, Tolerations = revision.Tolerations, Volumes = revision.Volumes };
                    break;
                case RayCluster ray:
                    yield return ray.Spec.HeadGroupSpec.Template.Spec;
                    foreach (var group in ray.Spec.WorkerGroupSpecs)
                    {
                        yield return group.Template.Spec;
                    }

                    break;
            }
        }
    }
}

using System.Globalization;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

public static partial class ManifestRenderer
{
    public const string RayContainerName = "ray";
    public const string RayNodeTypeLabel = "ray.io/node-type";

    // The GCS port KubeRay's head listens on by default; the Hoist worker on the head is a local Ray driver.
    private const int RayGcsPort = 6379;

    // [Distribute("ray")]: a KubeRay RayCluster with one head and Workers-1 workers, all from the app image,
    // which must contain Ray (build it from a Ray base image). KubeRay runs `ray start` in each pod's first
    // container; the Hoist worker runs beside it on the head only, as the Ray driver, the way Kubetorch runs a
    // ray function on the head. A ClusterIP Service named after the service reaches it there, so callers
    // address every kind the same way.
    internal static IKubernetesObject<V1ObjectMeta>[] RenderRay(RenderTarget target, DistributionSpec distribution)
    {
        var compute = target.Descriptor.Compute;
        var workers = distribution.Workers - 1;
        var hoist = WorkerContainer.Create(target, WorkerContainer.GrpcPortName, podFieldRefs: true,
            [WorkerContainer.Value("RAY_ADDRESS", "127.0.0.1:" + RayGcsPort.ToString(CultureInfo.InvariantCulture))]);

        // Ray schedules with the resources of its own container, so that is where Cpus, Memory, Disk and Gpus go.
        hoist.Resources = null;
        var cluster = new RayCluster
        {
            Metadata = target.Metadata(KubernetesNames.Fit(target.Name, KubernetesNames.MaxRayClusterNameLength), target.HoistAnnotations()),
            Spec = new RayClusterSpec
            {
                // A redeploy (new code, a new token) must reach the pods: KubeRay recreates them all at once.
                UpgradeStrategy = new RayUpgradeStrategy { Type = "Recreate" },
                HeadGroupSpec = new RayHeadGroupSpec
                {
                    RayStartParams = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["dashboard-host"] = "0.0.0.0" },
                    Template = PodTemplate(target, RayContainer(target, compute), hoist),
                },
                WorkerGroupSpecs =
                [
                    new RayWorkerGroupSpec
                    {
                        GroupName = "workers",
                        Replicas = workers,
                        MinReplicas = workers,
                        MaxReplicas = workers,
                        Template = PodTemplate(target, RayContainer(target, compute)),
                    },
                ],
            },
        };
        var headSelector = target.Selector();
        headSelector[RayNodeTypeLabel] = "head";
        return [ClusterIpService(target, headSelector), cluster];
    }

    private static V1Container RayContainer(RenderTarget target, ComputeSpec compute) => new()
    {
        Name = RayContainerName,
        Image = ServiceImages.For(target.Options.Image, compute.Image),
        ImagePullPolicy = target.Options.ImagePullPolicy,
        Resources = WorkerContainer.Resources(compute),

        // Ray tasks run here, so they see the service's [Env], [Secret] and [Volume]s as the Hoist worker does.
        Env = WorkerContainer.ServiceEnvironment(target.Descriptor).ToList() is { Count: > 0 } env ? env : null,
        EnvFrom = WorkerContainer.EnvironmentFrom(target.Descriptor),
        VolumeMounts = WorkerPod.Mounts(target.Descriptor),
    };
}

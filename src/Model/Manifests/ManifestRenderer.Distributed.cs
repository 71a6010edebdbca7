using k8s;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Manifests;

public static partial class ManifestRenderer
{
    public const string RendezvousPortName = "rendezvous";

    // [Distribute] pytorch, jax, tensorflow or spmd: a StatefulSet whose pod ordinal is the rank. Pods start in
    // parallel, since the ranks wait for each other anyway, and the headless Service publishes their DNS names
    // before they are ready, since rendezvous happens before readiness. With [Autoscale], the settings ride
    // along as autoscaling.hoist.dev annotations and the Hoist runtime scales the group as a whole.
    internal static IKubernetesObject<V1ObjectMeta>[] RenderStatefulSet(RenderTarget target, DistributionSpec distribution)
    {
        var setName = KubernetesNames.Fit(target.Name, KubernetesNames.MaxStatefulSetNameLength);
        var headlessName = KubernetesNames.Fit(target.Name + "-headless", KubernetesNames.MaxLabelLength);

        var manyGroups = StatefulSetKind.RunsManyGroups(target.Descriptor);
        var container = WorkerContainer.Create(
            target,
            WorkerContainer.GrpcPortName,
            podFieldRefs: true,
            manyGroups ? GroupRankEnvironment(target, distribution, setName, headlessName) : RankEnvironment(target, distribution, setName, headlessName));
        container.Ports.Add(new V1ContainerPort { Name = RendezvousPortName, ContainerPort = target.Options.RendezvousPort, Protocol = "TCP" });

        var headless = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = target.Metadata(headlessName),
            Spec = new V1ServiceSpec
            {
                ClusterIP = "None",
                PublishNotReadyAddresses = true,
                Selector = target.Selector(),
                Ports =
                [
                    GrpcServicePort(target),
                    new V1ServicePort { Name = RendezvousPortName, Port = target.Options.RendezvousPort, TargetPort = target.Options.RendezvousPort, Protocol = "TCP" },
                ],
            },
        };
        var statefulSet = new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = target.Metadata(setName, target.HoistAnnotations()),
            Spec = new V1StatefulSetSpec
            {
                ServiceName = headlessName,
                Replicas = distribution.Workers * (manyGroups ? StatefulSetKind.InitialGroups(target.Descriptor) : 1),
                PodManagementPolicy = "Parallel",

                // A rolling update restarts one rank at a time, mixing old and new code in one group (and may outrun
                // LaunchTimeout): Hoist restarts every rank at once after a change instead (ServiceRollout).
                UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "OnDelete" },
                Selector = new V1LabelSelector { MatchLabels = target.Selector() },
                Template = PodTemplate(target, container),
            },
        };
        return [headless, ClusterIpService(target, target.Selector()), statefulSet];
    }

    /// <summary>
    /// For a set whose ordinal blocks are groups, what the worker derives its rank variables from at start-up
    /// (<see cref="WorkerEnvironment.GroupRankVariables"/>): RANK is the ordinal modulo the group size and MASTER_ADDR
    /// the block's first pod, which a kubelet's <c>$(VAR)</c> expansion cannot compute. WORLD_SIZE, the group size, is
    /// rendered as well, as the controller reads a group's size from it.
    /// </summary>
    internal static IEnumerable<V1EnvVar> GroupRankEnvironment(RenderTarget target, DistributionSpec distribution, string setName, string headlessName)
    {
        yield return WorkerContainer.FieldRef(WorkerEnvironment.PodIndex, $"metadata.labels['{ManifestLabels.PodIndex}']");
        yield return WorkerContainer.Value(WorkerEnvironment.GroupSize, Invariant(distribution.Workers));
        yield return WorkerContainer.Value(ScaledWorkload.WorldSizeVariable, Invariant(distribution.Workers));
        yield return WorkerContainer.Value(WorkerEnvironment.Distribution, distribution.Type);
        yield return WorkerContainer.Value(WorkerEnvironment.RankAddress, $"{setName}-{DistributedEnvironment.OrdinalPlaceholder}.{headlessName}.{target.Namespace}.svc.{target.Options.ClusterDomain}");
        yield return WorkerContainer.Value(WorkerEnvironment.RendezvousPort, Invariant(target.Options.RendezvousPort));
    }

    /// <summary>
    /// The rank variables, as torchrun sets them with one worker per pod. RANK is the pod's ordinal, read from
    /// the <c>apps.kubernetes.io/pod-index</c> label (Kubernetes 1.28+); the variables after it refer to it as
    /// <c>$(RANK)</c>, which the kubelet expands because RANK is defined earlier in the list.
    /// </summary>
    internal static IEnumerable<V1EnvVar> RankEnvironment(RenderTarget target, DistributionSpec distribution, string setName, string headlessName)
    {
        const string Rank = "$(RANK)";
        var port = target.Options.RendezvousPort;
        string Address(int rank) => $"{setName}-{Invariant(rank)}.{headlessName}.{target.Namespace}.svc.{target.Options.ClusterDomain}";

        var peers = Enumerable.Range(0, distribution.Workers).Select(r => $"{Address(r)}:{Invariant(port)}").ToArray();
        foreach (var (name, value) in DistributedEnvironment.For(distribution.Type, distribution.Workers, Rank, Address(0), port, peers, localRank: 0, localWorldSize: 1, nodeRank: Rank))
        {
            yield return name == "RANK"
                ? WorkerContainer.FieldRef("RANK", $"metadata.labels['{ManifestLabels.PodIndex}']")
                : WorkerContainer.Value(name, value);
        }
    }
}

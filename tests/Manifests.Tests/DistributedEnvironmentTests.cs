using System.Text.Json;
using Hoist.Hosting;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Manifests.Tests;

public sealed class DistributedEnvironmentTests
{
    private const int Workers = 4;
    private const string Namespace = "ml";
    private const string Token = "secret-token";

    public static TheoryData<string> Types => new() { "pytorch", "jax", "tensorflow", "spmd" };

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryRank_SeesItsOwnRank_AndRankZerosStableAddress(string type)
    {
        var objects = Render(type);
        var statefulSet = objects.OfType<V1StatefulSet>().Single();
        var headless = objects.OfType<V1Service>().Single(s => s.Spec.ClusterIP == "None");

        Assert.Equal(Workers, statefulSet.Spec.Replicas);
        Assert.Equal("Parallel", statefulSet.Spec.PodManagementPolicy);
        Assert.Equal(headless.Metadata.Name, statefulSet.Spec.ServiceName);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        var port = Samples.Options.RendezvousPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        for (var rank = 0; rank < Workers; rank++)
        {
            var env = EnvironmentOf(statefulSet, rank);

            Assert.DoesNotContain(env.Values, v => v.Contains("$(", StringComparison.Ordinal));
            Assert.Equal($"{rank}", env["RANK"]);
            Assert.Equal($"{Workers}", env["WORLD_SIZE"]);
            Assert.Equal("0", env["LOCAL_RANK"]);
            Assert.Equal("1", env["LOCAL_WORLD_SIZE"]);
            Assert.Equal($"{rank}", env["NODE_RANK"]);
            Assert.Equal(PodDns(statefulSet, 0), env["MASTER_ADDR"]);
            Assert.Equal(port, env["MASTER_PORT"]);
            Assert.Contains(statefulSet.Spec.Template.Spec.Containers.Single().Ports, p => p.ContainerPort == Samples.Options.RendezvousPort);

            // The worker reads its own settings back from the same variables.
            var worker = WorkerEnvironment.FromEnvironment(name => env.GetValueOrDefault(name));
            Assert.Equal(rank, worker.Rank);
            Assert.Equal(Token, worker.CallToken);
            Assert.Equal("0.0.0.0", worker.ListenAddress);
            Assert.Equal($"{statefulSet.Metadata.Name}-{rank}", worker.ReplicaName);

            AssertFrameworkVariables(type, env, statefulSet, firstOrdinal: 0, rank, port);
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void GroupsThatScaleOut_EachOrdinalBlockIsAGroupWithItsOwnRendezvous(string type)
    {
        const int Groups = 3;
        var descriptor = Samples.Service("infer", new ComputeSpec { Namespace = Namespace }, new DistributionSpec { Type = type, Workers = Workers }, new AutoscaleSpec { Target = 1, MaxScale = Groups, InitialScale = 2 });
        var statefulSet = ManifestRenderer.Render(descriptor, Samples.Options).OfType<V1StatefulSet>().Single();
        var port = Samples.Options.RendezvousPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Rendered with InitialScale groups; the controller sets the replicas in whole groups after that.
        Assert.Equal(2 * Workers, statefulSet.Spec.Replicas);
        for (var ordinal = 0; ordinal < Groups * Workers; ordinal++)
        {
            var pod = EnvironmentOf(statefulSet, ordinal);
            Assert.DoesNotContain("RANK", pod.Keys);

            // What the worker sets in its own environment at start-up, before user code.
            var derived = WorkerEnvironment.GroupRankVariables(name => pod.GetValueOrDefault(name))!.ToDictionary();
            var env = new Dictionary<string, string>(pod);
            foreach (var (name, value) in derived)
            {
                env[name] = value;
            }

            var group = ordinal / Workers;
            var rank = ordinal % Workers;
            Assert.Equal($"{rank}", env["RANK"]);
            Assert.Equal($"{Workers}", env["WORLD_SIZE"]);
            Assert.Equal($"{rank}", env["NODE_RANK"]);
            Assert.Equal(PodDns(statefulSet, group * Workers), env["MASTER_ADDR"]);
            Assert.Equal(port, env["MASTER_PORT"]);
            Assert.Equal(rank, WorkerEnvironment.FromEnvironment(name => env.GetValueOrDefault(name)).Rank);
            AssertFrameworkVariables(type, env, statefulSet, firstOrdinal: group * Workers, rank, port);
        }
    }

    [Theory]
    [InlineData(1, 1, null, false)]
    [InlineData(3, 1, null, true)]
    [InlineData(0, 1, null, true)]
    [InlineData(1, 2, null, true)]
    [InlineData(1, 1, 2, true)]
    public void ManyGroups_WhenTheServiceMayRunMoreThanOne(int maxScale, int initialScale, int? minScale, bool many)
    {
        var group = Samples.Service("g", distribution: new DistributionSpec { Type = "pytorch", Workers = 2 }, autoscale: new AutoscaleSpec { MaxScale = maxScale, InitialScale = initialScale, MinScale = minScale });

        Assert.Equal(many, StatefulSetKind.RunsManyGroups(group));
        Assert.False(StatefulSetKind.RunsManyGroups(group with { Autoscale = null }));
        Assert.False(StatefulSetKind.RunsManyGroups(group with { Distribution = new DistributionSpec { Type = "ray", Workers = 2 } }));
    }

    [Fact]
    public void GroupRankVariables_NoneWithoutAPodIndex_AndABadOneIsNamed()
    {
        Assert.Null(WorkerEnvironment.GroupRankVariables(_ => null));

        var error = Assert.Throws<InvalidOperationException>(() => WorkerEnvironment.GroupRankVariables(name => name == WorkerEnvironment.PodIndex ? "" + "x" : null));
        Assert.Contains(WorkerEnvironment.PodIndex, error.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<InvalidOperationException>(() => WorkerEnvironment.GroupRankVariables(name => name == WorkerEnvironment.PodIndex ? "3" : null));
        Assert.Contains(WorkerEnvironment.GroupSize, missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterIpService_SelectsTheSamePodsAsTheStatefulSet()
    {
        var objects = Render("pytorch");
        var statefulSet = objects.OfType<V1StatefulSet>().Single();
        var clusterIp = objects.OfType<V1Service>().Single(s => s.Spec.ClusterIP != "None");

        Assert.Equal("ClusterIP", clusterIp.Spec.Type);
        Assert.Equal(statefulSet.Spec.Selector.MatchLabels, clusterIp.Spec.Selector);
        Assert.All(clusterIp.Spec.Selector, l => Assert.Equal(l.Value, statefulSet.Spec.Template.Metadata.Labels[l.Key]));
    }

    [Fact]
    public void Ray_RendersOneHeadAndWorkersMinusOneWorkers()
    {
        var descriptor = Samples.Service("tune", new ComputeSpec { Image = "rayproject/ray:2.9.0" }, new DistributionSpec { Type = "ray", Workers = 5 });

        var objects = ManifestRenderer.Render(descriptor, Samples.Options);

        var cluster = objects.OfType<RayCluster>().Single();
        var group = Assert.Single(cluster.Spec.WorkerGroupSpecs);
        Assert.Equal((4, 4, 4), (group.Replicas, group.MinReplicas, group.MaxReplicas));
        Assert.Equal(ManifestRenderer.RayContainerName, cluster.Spec.HeadGroupSpec.Template.Spec.Containers[0].Name);
        var service = objects.OfType<V1Service>().Single();
        Assert.Equal("tune", service.Metadata.Name);
        Assert.Equal("head", service.Spec.Selector[ManifestRenderer.RayNodeTypeLabel]);
    }

    private static IReadOnlyList<k8s.IKubernetesObject<V1ObjectMeta>> Render(string type) =>
        ManifestRenderer.Render(
            Samples.Service("group", new ComputeSpec { Namespace = Namespace }, new DistributionSpec { Type = type, Workers = Workers }),
            Samples.Options);

    /// <summary>The env of pod <paramref name="rank"/> as the StatefulSet controller and kubelet would make it.</summary>
    private static Dictionary<string, string> EnvironmentOf(V1StatefulSet statefulSet, int rank)
    {
        var pod = new V1ObjectMeta
        {
            Name = $"{statefulSet.Metadata.Name}-{rank}",
            NamespaceProperty = statefulSet.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string>(statefulSet.Spec.Template.Metadata.Labels)
            {
                [ManifestLabels.PodIndex] = $"{rank}",
                ["statefulset.kubernetes.io/pod-name"] = $"{statefulSet.Metadata.Name}-{rank}",
            },
        };
        var secrets = new Dictionary<(string, string), string> { [(Samples.Options.ResolvedTokenSecretName, ManifestOptions.TokenSecretKey)] = Token };
        return PodEnvironment.Resolve(statefulSet.Spec.Template.Spec.Containers.Single(), pod, secrets);
    }

    /// <summary>The variables JAX and TensorFlow read, for rank <paramref name="rank"/> of the group whose first pod is <paramref name="firstOrdinal"/>.</summary>
    private static void AssertFrameworkVariables(string type, Dictionary<string, string> env, V1StatefulSet statefulSet, int firstOrdinal, int rank, string port)
    {
        switch (type)
        {
            case "jax":
                Assert.Equal($"{PodDns(statefulSet, firstOrdinal)}:{port}", env["JAX_COORDINATOR_ADDRESS"]);
                Assert.Equal($"{Workers}", env["JAX_NUM_PROCESSES"]);
                Assert.Equal($"{rank}", env["JAX_PROCESS_ID"]);
                break;
            case "tensorflow":
                using (var config = JsonDocument.Parse(env["TF_CONFIG"]))
                {
                    var cluster = config.RootElement.GetProperty("cluster").GetProperty("worker").EnumerateArray().Select(e => e.GetString()).ToArray();
                    Assert.Equal(Enumerable.Range(firstOrdinal, Workers).Select(o => $"{PodDns(statefulSet, o)}:{port}"), cluster);
                    Assert.Equal("worker", config.RootElement.GetProperty("task").GetProperty("type").GetString());
                    Assert.Equal(rank, config.RootElement.GetProperty("task").GetProperty("index").GetInt32());
                }

                break;
            default:
                Assert.DoesNotContain("TF_CONFIG", env.Keys);
                Assert.DoesNotContain("JAX_PROCESS_ID", env.Keys);
                break;
        }
    }

    /// <summary>A StatefulSet pod's DNS name: hostname = pod name, subdomain = the governing headless Service.</summary>
    private static string PodDns(V1StatefulSet statefulSet, int rank) =>
        $"{statefulSet.Metadata.Name}-{rank}.{statefulSet.Spec.ServiceName}.{statefulSet.Metadata.NamespaceProperty}.svc.cluster.local";
}

using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using Hoist.TestApp;
using k8s;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// The seed's example in a cluster, end to end (KUBECONFIG and HOIST_TEST_IMAGE): a distributed group with
/// <c>[Autoscale]</c>, its app's controller deployed beside it as <c>hoist deploy</c> deploys it, scales to zero after
/// its grace period with no call, and comes back whole on the next call, which the controller's activator holds. The
/// same steps as the local backend's <c>DistributedAndAutoscaled_TheGroupScalesToZeroAndWakesWhole</c>.
/// </summary>
public sealed class SeedExampleClusterTests
{
    private static readonly TimeSpan WithinMinutes = TimeSpan.FromMinutes(5);

    [ClusterFact(NeedsTestImage = true)]
    public async Task GroupWithItsController_ScalesToZeroAfterItsGracePeriod_AndTheNextCallBringsItBackWhole()
    {
        await using var cluster = await ClusterApp.StartAsync(ClusterEnvironment.TestImage!);
        var ns = ClusterEnvironment.Namespace;
        var options = new ManifestOptions { AppName = cluster.AppName, Image = ClusterEnvironment.TestImage!, Namespace = ns, EntryAssembly = "Hoist.TestApp.dll" };
        var descriptor = AssemblyDescriptorReader.Read(typeof(ElasticGroup).Assembly.Location).Single(d => d.Name == "elastic-group");
        var controller = ControllerManifests.For([descriptor], options);
        using var api = new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig());
        var client = new ClusterClient(api);
        var group = ElasticGroup.Remote.WithInvoker(cluster.App.Client);

        try
        {
            foreach (var item in controller)
            {
                await client.ApplyAsync(item, CancellationToken.None);
            }

            var first = await group.ProcessIdAsync();
            Assert.Equal(2, first.Count);

            // No call: a quiet 6 s window plus a 1 s grace period, as the controller in the cluster reads the ranks' load.
            await UntilAsync(async () => await ReplicasAsync() == 0, "the controller to take elastic-group to zero");

            // The next call finds no rank, asks the controller's activator, and is sent once both ranks are back.
            var second = await group.ProcessIdAsync();
            Assert.Equal(2, second.Count);
            Assert.Equal(2, await ReplicasAsync());
        }
        finally
        {
            await cluster.App.Client.StopServiceAsync("elastic-group");
            foreach (var item in controller.Reverse())
            {
                await DeleteAsync(item);
            }
        }

        async Task<int?> ReplicasAsync() =>
            (await cluster.ListAsync(WorkloadKinds.StatefulSet.Resource, "elastic-group")).SingleOrDefault() is { } set
                ? (await api.AppsV1.ReadNamespacedStatefulSetAsync(set.Name, ns)).Spec.Replicas
                : null;

        async Task DeleteAsync(IKubernetesObject<k8s.Models.V1ObjectMeta> item)
        {
            try
            {
                await client.DeleteAsync(ResourceKind.Of(item), ns, item.Metadata.Name, CancellationToken.None);
            }
            catch (k8s.Autorest.HttpOperationException)
            {
            }
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + WithinMinutes;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Waited {WithinMinutes} for {what}.");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }
}

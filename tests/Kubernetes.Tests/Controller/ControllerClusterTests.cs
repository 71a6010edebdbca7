using Hoist.Autoscaling;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Hoist.Configuration;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// The controller's loop against a real cluster (KUBECONFIG and HOIST_TEST_IMAGE): the TestApp's elastic group (two
/// pytorch ranks, a 6 s window plus 1 s grace) goes to zero through its scale subresource and comes back whole when a
/// caller renews its activity Lease or waits in the controller's activator. The controller's clock is a fake one, so the test waits for pods, not for windows.
/// </summary>
public sealed class ControllerClusterTests
{
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromMinutes(5);

    [ClusterFact(NeedsTestImage = true)]
    public async Task ElasticGroup_GoesToZeroAfterItsGracePeriod_AndComesBackWhole_OnACallersActivity()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = timeout.Token;
        var ns = ClusterEnvironment.Namespace;
        var app = "ctl-" + Guid.NewGuid().ToString("N")[..8];
        var options = new ManifestOptions { AppName = app, Image = ClusterEnvironment.TestImage!, Namespace = ns, EntryAssembly = "Hoist.TestApp.dll" };
        var descriptor = AssemblyDescriptorReader.Read(typeof(Hoist.TestApp.Probe).Assembly.Location).Single(d => d.Name == "elastic-group");
        var objects = ManifestRenderer.Render(descriptor, options);
        var connection = KubernetesConnection.Configure(new KubernetesBackendOptions());
        using var api = new k8s.Kubernetes(connection);
        var cluster = new ClusterClient(api);
        var token = await ServiceRollout.TokenAsync(cluster, ns, options, null, ct);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var layout = await ServiceRollout.ApplyAsync(cluster, descriptor, objects, options, token, time.GetUtcNow(), ct);
        var controller = new ScalingController(
            api,
            new KubernetesScaleActuator(api),
            new WorkerLoadProbe(api, NullLogger<WorkerLoadProbe>.Instance),

            // This controller runs outside the cluster and cannot reach pod IPs: it goes by the activity Lease.
            Options.Create(new ScalingControllerOptions { Namespace = ns, AppName = app, ReadWorkerLoad = false }),
            time,
            NullLogger<ScalingController>.Instance);

        try
        {
            await WaitForReadyAsync(2);

            // Quiet for less than the 6 s window plus 1 s: both ranks stay.
            time.Advance(TimeSpan.FromSeconds(4));
            await controller.TickAsync(ct);
            Assert.Equal(2, await ReplicasAsync());

            time.Advance(TimeSpan.FromSeconds(10));
            await controller.TickAsync(ct);
            Assert.Equal(0, await ReplicasAsync());

            // A caller's renewal of the activity Lease (what a client does while its calls flow) wakes every rank.
            time.Advance(ScalingPolicy.TickInterval);
            await ServiceRollout.StampActivityAsync(cluster, layout, time.GetUtcNow(), ct);
            await controller.TickAsync(ct);
            Assert.Equal(2, await ReplicasAsync());
            await WaitForReadyAsync(2);

            // Down again, then a call held in the activator: it wakes both ranks and is released once both are ready.
            time.Advance(TimeSpan.FromSeconds(20));
            await controller.TickAsync(ct);
            Assert.Equal(0, await ReplicasAsync());
            var held = controller.ActivateAsync(descriptor.Name, ct);
            Assert.Equal(2, await ReplicasAsync());
            var until = DateTime.UtcNow + ReadyWithin;
            while (!held.IsCompleted)
            {
                Assert.True(DateTime.UtcNow < until, $"The activator held the call for more than {ReadyWithin}.");
                await Task.Delay(ScalingPolicy.TickInterval, ct);
                time.Advance(ScalingPolicy.TickInterval);
                await controller.TickAsync(ct);
            }

            var activation = await held;
            Assert.True(activation.Woken);
            Assert.Equal(2, activation.ReadyReplicas);
        }
        finally
        {
            await ServiceRollout.TearDownAsync(cluster, ns, $"{ManifestLabels.Instance}={layout.Instance}", CancellationToken.None);
            await cluster.DeleteAsync(ResourceKind.Secret, ns, options.ResolvedTokenSecretName, CancellationToken.None);
        }

        async Task<int?> ReplicasAsync() => (await api.AppsV1.ReadNamespacedStatefulSetAsync(layout.WorkloadName, ns, cancellationToken: ct)).Spec.Replicas;

        async Task WaitForReadyAsync(int ranks)
        {
            var until = DateTime.UtcNow + ReadyWithin;
            while ((await api.AppsV1.ReadNamespacedStatefulSetAsync(layout.WorkloadName, ns, cancellationToken: ct)).Status?.ReadyReplicas != ranks)
            {
                Assert.True(DateTime.UtcNow < until, $"elastic-group had not {ranks} ready ranks within {ReadyWithin}.");
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }
        }
    }
}

using Hoist.Backends.Kubernetes;
using Hoist.Hosting;
using Hoist.Manifests;
using Hoist.TestApp;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// The Kubernetes backend against a real cluster (KUBECONFIG), doing what an app does: deploy, call, tear down.
/// Each test uses its own app name, so its objects and token Secret are its own, and removes them at the end.
/// </summary>
public sealed class ClusterTests
{
    [ClusterFact(NeedsTestImage = true)]
    public async Task PlainService_Deploys_AnswersCalls_AndTearsDownByLabel()
    {
        await using var cluster = await ClusterApp.StartAsync(ClusterEnvironment.TestImage!);
        var probe = Probe.Remote.WithInvoker(cluster.App.Client);

        try
        {
            Assert.Equal("héllo from a pod", await probe.EchoAsync("héllo from a pod"));
            Assert.Equal(1, await probe.CountCallsAsync());
            Assert.Equal(2, await probe.CountCallsAsync());
            Assert.Equal(1, cluster.App.Client.GetStatus("probe")!.ReadyReplicas);
            Assert.NotEmpty(await cluster.ListAsync(WorkloadKinds.Deployment.Resource, "probe"));
        }
        finally
        {
            await cluster.App.Client.StopServiceAsync("probe");
        }

        Assert.Empty(await cluster.ListAsync(WorkloadKinds.Deployment.Resource, "probe"));
        Assert.Empty(await cluster.ListAsync(ResourceKind.Service, "probe"));
        Assert.Empty(await cluster.PodsAsync("probe"));
    }

    [ClusterFact]
    public async Task TwoFirstDeploysIntoANamespace_AgreeOnOneToken()
    {
        using var cluster = new ClusterClient(new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
        var options = new ManifestOptions { AppName = "token-race-" + Guid.NewGuid().ToString("N")[..8], Image = "unused" };
        try
        {
            // Both read "no Secret", both mint; only one create wins, and the other reads the winner's back on 409.
            var tokens = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ServiceRollout.TokenAsync(cluster, ClusterEnvironment.Namespace, options, configured: null, CancellationToken.None)));

            Assert.Single(tokens.Distinct(StringComparer.Ordinal));
            Assert.Equal(tokens[0], await cluster.ReadSecretValueAsync(ClusterEnvironment.Namespace, options.ResolvedTokenSecretName, ManifestOptions.TokenSecretKey, CancellationToken.None));
        }
        finally
        {
            await cluster.DeleteAsync(ResourceKind.Secret, ClusterEnvironment.Namespace, options.ResolvedTokenSecretName, CancellationToken.None);
        }
    }

    [ClusterFact(NeedsTestImage = true)]
    public async Task DistributedService_FansOutToEveryRank_InOrdinalOrder()
    {
        await using var cluster = await ClusterApp.StartAsync(ClusterEnvironment.TestImage!);

        try
        {
            var ranks = await JaxGroup.Remote.WithInvoker(cluster.App.Client).EnvironmentAsync();

            Assert.Equal(2, ranks.Count);
            for (var rank = 0; rank < ranks.Count; rank++)
            {
                Assert.Equal(rank.ToString(System.Globalization.CultureInfo.InvariantCulture), ranks[rank].Variables["RANK"]);
                Assert.Equal($"jax-group-{rank}", ranks[rank].Variables["HOIST_REPLICA"]);
            }

            Assert.Equal($"jax-group-0.jax-group-headless.{ClusterEnvironment.Namespace}.svc.cluster.local", ranks[1].Variables["MASTER_ADDR"]);
        }
        finally
        {
            await cluster.App.Client.StopServiceAsync("jax-group");
        }

        Assert.Empty(await cluster.ListAsync(WorkloadKinds.StatefulSet.Resource, "jax-group"));
    }

    [ClusterFact(NeedsTestImage = true)]
    public async Task InactivityTtl_TearsDownAnIdleService_AndTheNextCallBringsItBack()
    {
        await using var cluster = await ClusterApp.StartAsync(ClusterEnvironment.TestImage!);
        var shortLived = ShortLived.Remote.WithInvoker(cluster.App.Client);

        try
        {
            await shortLived.ProcessIdAsync();
            var stamped = Assert.Single(await cluster.ListAsync(WorkloadKinds.Deployment.Resource, "short-lived"));
            Assert.Equal("3s", stamped.Annotations[ManifestAnnotations.InactivityTtl]);
            Assert.NotNull(InactivityPolicy.Parse(stamped.Annotations[InactivityPolicy.LastActivityAnnotation]));

            var gone = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while ((await cluster.ListAsync(WorkloadKinds.Deployment.Resource, "short-lived")).Count > 0)
            {
                Assert.True(DateTime.UtcNow < gone, "short-lived was not torn down 90 s after its 3 s InactivityTtl");
                await Task.Delay(1000);
            }

            await shortLived.ProcessIdAsync();
            Assert.Single(await cluster.ListAsync(WorkloadKinds.Deployment.Resource, "short-lived"));
        }
        finally
        {
            await cluster.App.Client.StopServiceAsync("short-lived");
        }
    }

    [ClusterFact(NeedsTestImage = true)]
    public async Task KnativeServiceScaledToTwo_FromOutside_SpreadsEightConcurrentCallersOverItsPods()
    {
        await using var cluster = await ClusterApp.StartAsync(ClusterEnvironment.TestImage!);
        var duo = Duo.Remote.WithInvoker(cluster.App.Client);

        try
        {
            // The revision is ready at its initial scale, 2; a pod ready a moment after the deploy listed the pods is
            // routed by the next refresh (PodRouteRefresh.Interval), and the status counts the routed pods.
            await cluster.App.Client.StartServiceAsync("duo");
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (cluster.App.Client.GetStatus("duo")!.ReadyReplicas < 2)
            {
                Assert.True(DateTime.UtcNow < until, $"duo was called through {cluster.App.Client.GetStatus("duo")!.ReadyReplicas} pod(s) 30 s after it was ready, not 2");
                await Task.Delay(500);
            }

            var hosts = (await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => duo.HostAfterAsync(1000)))).ToHashSet(StringComparer.Ordinal);

            Assert.True(hosts.Count > 1, $"8 concurrent callers all reached {string.Join(", ", hosts)}, one of duo's 2 pods");
            Assert.Equal(2, (await cluster.PodsAsync("duo")).Count(p => hosts.Contains(p.Metadata.Name)));
        }
        finally
        {
            await cluster.App.Client.StopServiceAsync("duo");
        }
    }

    [ClusterFact]
    public async Task MissingImage_FailsAtLaunchTimeout_SayingTheImageCannotBePulled()
    {
        await using var cluster = await ClusterApp.StartAsync("registry.invalid/hoist/does-not-exist:0", ("Hoist:Services:probe:LaunchTimeout", "45"));

        try
        {
            var error = await Assert.ThrowsAsync<WorkerLaunchException>(() => Probe.Remote.WithInvoker(cluster.App.Client).EchoAsync("x"));

            Assert.Matches("ErrImagePull|ImagePullBackOff", error.Message);
            Assert.Contains("registry.invalid/hoist/does-not-exist:0", error.Message);
        }
        finally
        {
            await cluster.App.Client.StopServiceAsync("probe");
        }
    }

    [ClusterFact]
    public async Task ServiceNoNodeCanFit_FailsAtLaunchTimeout_AsUnschedulable()
    {
        await using var cluster = await ClusterApp.StartAsync(
            ClusterEnvironment.TestImage ?? "registry.invalid/hoist/never-pulled:0",
            ("Hoist:Services:probe:LaunchTimeout", "20"),
            ("Hoist:Services:probe:Memory", "4000Ti"));

        try
        {
            var error = await Assert.ThrowsAsync<WorkerLaunchException>(() => Probe.Remote.WithInvoker(cluster.App.Client).EchoAsync("x"));

            Assert.Contains("Unschedulable", error.Message);
            Assert.Contains("memory", error.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await cluster.App.Client.StopServiceAsync("probe");
        }
    }
}

/// <summary>A Hoist app on the Kubernetes backend, with its own app name, and a client to check the cluster with.</summary>
internal sealed class ClusterApp : IAsyncDisposable
{
    private ClusterApp(HoistApplication app, string appName, IKubernetes api)
    {
        App = app;
        AppName = appName;
        Api = api;
    }

    public HoistApplication App { get; }

    public string AppName { get; }

    public IKubernetes Api { get; }

    public static async Task<ClusterApp> StartAsync(string image, params (string Key, string Value)[] settings)
    {
        var appName = $"hoist-test-{Guid.NewGuid():N}"[..20];
        var app = await HoistApplication.StartAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(
            [
                new("Hoist:Backend", HoistBackends.Kubernetes),
                new("Hoist:Kubernetes:Image", image),
                new("Hoist:Kubernetes:Namespace", ClusterEnvironment.Namespace),
                new("Hoist:Kubernetes:AppName", appName),
                new("Hoist:Kubernetes:EntryAssembly", "Hoist.TestApp.dll"),
                .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
            ]);
            builder.AddHoist();
        });
        return new ClusterApp(app, appName, new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
    }

    public async Task<IReadOnlyList<k8s.Models.V1ObjectMeta>> ListAsync(ResourceKind kind, string service)
    {
        using var cluster = new ClusterClient(new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
        return await cluster.ListAsync(kind, ClusterEnvironment.Namespace, HoistSelectors.ForService(service, $"{AppName}-{service}"), CancellationToken.None);
    }

    public async Task<IReadOnlyList<k8s.Models.V1Pod>> PodsAsync(string service) =>
        (await Api.CoreV1.ListNamespacedPodAsync(ClusterEnvironment.Namespace, labelSelector: $"{ManifestLabels.Name}={service},{ManifestLabels.Instance}={AppName}-{service}")).Items.ToArray();

    public async ValueTask DisposeAsync()
    {
        // The token Secret is the app's; each test app has its own, so it goes with the test.
        try
        {
            await Api.CoreV1.DeleteNamespacedSecretAsync($"{AppName}-hoist-token", ClusterEnvironment.Namespace);
        }
        catch (k8s.Autorest.HttpOperationException)
        {
        }

        await App.DisposeAsync();
        Api.Dispose();
    }
}

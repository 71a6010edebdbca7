using System.Text.RegularExpressions;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s;
using Hoist.Configuration;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// What the controller tells a held call, against a real cluster (KUBECONFIG): the launch diagnosis of a group it
/// woke, read from the pods and events as the controller's own code reads them.
/// </summary>
public sealed class ActivatorClusterTests
{
    private const string MissingImage = "registry.invalid/hoist/does-not-exist:0";

    [ClusterFact]
    public async Task Diagnosis_OfAGroupWhoseImageCannotBePulled_SaysSo_NamingTheImageAndTheWorkload()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var ns = ClusterEnvironment.Namespace;
        var options = new ManifestOptions { AppName = "act-" + Guid.NewGuid().ToString("N")[..8], Image = MissingImage, Namespace = ns };
        var descriptor = Descriptors.Distributed(workers: 2) with
        {
            Compute = Descriptors.Plain().Compute with { InactivityTtl = null },
            Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = 60 },
        };
        using var api = new k8s.Kubernetes(KubernetesConnection.Configure(new KubernetesBackendOptions()));
        var cluster = new ClusterClient(api);
        var token = await ServiceRollout.TokenAsync(cluster, ns, options, null, ct);
        var layout = await ServiceRollout.ApplyAsync(cluster, descriptor, ManifestRenderer.Render(descriptor, options), options, token, DateTimeOffset.UtcNow, ct);

        try
        {
            WorkerLaunchException error;
            do
            {
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                var workload = WorkloadKinds.StatefulSet.ScaledOf(await api.AppsV1.ReadNamespacedStatefulSetAsync(layout.WorkloadName, ns, cancellationToken: ct));
                Assert.NotNull(workload);
                error = await WorkloadDiagnosis.ExplainAsync(api, workload, TimeSpan.FromSeconds(60), ct);
            }
            while (!Regex.IsMatch(error.Message, "ErrImagePull|ImagePullBackOff"));

            Assert.Contains(MissingImage, error.Message, StringComparison.Ordinal);
            Assert.Contains($"StatefulSet {layout.WorkloadName}", error.Message, StringComparison.Ordinal);
            Assert.Equal(descriptor.Name, error.Service);
        }
        finally
        {
            await ServiceRollout.TearDownAsync(cluster, ns, $"{ManifestLabels.Instance}={layout.Instance}", CancellationToken.None);
            await cluster.DeleteAsync(ResourceKind.Secret, ns, options.ResolvedTokenSecretName, CancellationToken.None);
        }
    }
}

using Hoist.Backends.Kubernetes;
using Hoist.Hosting;
using k8s;
using Hoist.Configuration;

namespace Hoist.Cli.Cluster;

/// <summary>A connected cluster: the API, the namespace the command works in, and where it is, for messages.</summary>
internal sealed record ClusterTarget(ClusterClient Cluster, string Namespace, string Host) : IDisposable
{
    /// <summary>The namespace was given with --namespace: look nowhere else.</summary>
    public bool NamespaceNamed { get; init; }

    public void Dispose() => Cluster.Dispose();
}

/// <summary>
/// Finds the cluster the way kubectl and the Kubernetes backend do (--kubeconfig, Hoist:Kubernetes:Kubeconfig,
/// $KUBECONFIG, ~/.kube/config, the pod's service account), and says plainly when there is none.
/// </summary>
internal static class ClusterAccess
{
    /// <summary>The hint of commands that only make sense on a cluster.</summary>
    public const string NoClusterHint = "set KUBECONFIG or pass --kubeconfig; without a cluster, 'hoist call --local' runs a service on this machine";

    /// <summary>Connects; the cluster client's warnings go to <paramref name="warnings"/> as <c>warning:</c> lines.</summary>
    public static ClusterTarget Connect(KubernetesBackendOptions options, TextWriter warnings, string noClusterHint = NoClusterHint, bool namespaceNamed = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (Problem(options.Kubeconfig, Environment.GetEnvironmentVariable("KUBECONFIG"), File.Exists, home, KubernetesClientConfiguration.IsInCluster(), noClusterHint) is { } problem)
        {
            throw new CliException(problem);
        }

        var configuration = KubernetesConnection.Configure(options);
        var ns = KubernetesConnection.DefaultNamespace(options, configuration);
        return new ClusterTarget(new ClusterClient(new k8s.Kubernetes(configuration), new WarningLogger(warnings)), ns, configuration.Host) { NamespaceNamed = namespaceNamed };
    }

    /// <summary>Why no cluster can be reached from this configuration, or null when one may be. Pure, for tests.</summary>
    public static CliError? Problem(string? kubeconfigOption, string? kubeconfigVariable, Func<string, bool> fileExists, string homeConfig, bool inCluster, string noClusterHint)
    {
        if (kubeconfigOption is { Length: > 0 } explicitPath)
        {
            return fileExists(explicitPath)
                ? null
                : new CliError($"the kubeconfig file {explicitPath} does not exist", "pass an existing file to --kubeconfig (or Hoist:Kubernetes:Kubeconfig)");
        }

        if (kubeconfigVariable is { Length: > 0 } list)
        {
            return KubernetesConnection.KubeconfigFiles(list).Any(fileExists)
                ? null
                : new CliError($"KUBECONFIG names no existing file ({list})", "point KUBECONFIG at your cluster's kubeconfig, or pass --kubeconfig");
        }

        return fileExists(homeConfig) || inCluster
            ? null
            : new CliError("no Kubernetes cluster configured (KUBECONFIG is not set)", noClusterHint);
    }
}

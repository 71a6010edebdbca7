using Hoist.Hosting;
using k8s;

namespace Hoist.Backends.Kubernetes;

/// <summary>Which cluster the backend talks to, the way kubectl finds it, and the namespace that goes with it.</summary>
internal static class KubernetesConnection
{
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>True in a pod: the kubelet sets KUBERNETES_SERVICE_HOST in every container.</summary>
    public static bool InCluster => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ServiceHostVariable));

    /// <summary>
    /// Hoist:Kubernetes:Kubeconfig, else $KUBECONFIG (a list, merged as kubectl does), else ~/.kube/config, else
    /// the pod's service account; with Hoist:Kubernetes:Context when set.
    /// </summary>
    public static KubernetesClientConfiguration Configure(KubernetesBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var context = options.Context is { Length: > 0 } c ? c : null;
        if (options.Kubeconfig is { Length: > 0 } path)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context);
        }

        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } list)
        {
            // KubernetesClient merges a KUBECONFIG list itself, but only for the current context; a named context
            // is looked up in the first file of the list, where kubectl's merge would find it first too.
            if (context is null)
            {
                return KubernetesClientConfiguration.BuildDefaultConfig();
            }

            var first = list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(f => f.Trim('"'))
                .FirstOrDefault(File.Exists);
            if (first is not null)
            {
                return KubernetesClientConfiguration.BuildConfigFromConfigFile(first, context);
            }
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (File.Exists(home))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(home, context);
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        throw new InvalidOperationException(
            "The Kubernetes backend found no cluster: set Hoist:Kubernetes:Kubeconfig or KUBECONFIG, create ~/.kube/config, or run in a pod with a service account.");
    }

    /// <summary>Hoist:Kubernetes:Namespace, else the kubeconfig context's (or the pod's own), else "default".</summary>
    public static string DefaultNamespace(KubernetesBackendOptions options, KubernetesClientConfiguration configuration) =>
        options.Namespace is { Length: > 0 } ns ? ns
        : configuration.Namespace is { Length: > 0 } configured ? configured
        : Manifests.ManifestOptions.DefaultNamespace;
}

using Hoist.Hosting;
using k8s;
using k8s.KubeConfigModels;
using Hoist.Configuration;

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

        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } list
            && KubeconfigFiles(list).Where(File.Exists).ToArray() is { Length: > 0 } files)
        {
            return FromKubeconfigFiles(files, context);
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

    /// <summary>The files a KUBECONFIG value names, in order: split on the path separator, blanks and quotes dropped.</summary>
    public static IReadOnlyList<string> KubeconfigFiles(string list) =>
        list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(f => f.Trim('"'))
            .Where(f => f.Length > 0)
            .ToArray();

    /// <summary>
    /// Several kubeconfig files merged as kubectl merges a KUBECONFIG list, then <paramref name="context"/> or the
    /// merged current context, so a context defined only in a later file is found by name. (KubernetesClient merges a
    /// list only in BuildDefaultConfig, which takes no context, and keeps its merge internal.)
    /// </summary>
    public static KubernetesClientConfiguration FromKubeconfigFiles(IReadOnlyList<string> files, string? context) =>
        KubernetesClientConfiguration.BuildConfigFromConfigObject(Merge(files.Select(Load).ToArray()), context);

    /// <summary>One kubeconfig file, its certificate and key paths made absolute against its own folder, as kubectl reads them.</summary>
    public static K8SConfiguration Load(string file)
    {
        var configuration = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(file));
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        string? Absolute(string? path) => string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(folder, path));
        foreach (var cluster in configuration.Clusters ?? [])
        {
            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Absolute(endpoint.CertificateAuthority);
            }
        }

        foreach (var user in configuration.Users ?? [])
        {
            if (user.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Absolute(credentials.ClientCertificate);
                credentials.ClientKey = Absolute(credentials.ClientKey);
            }
        }

        return configuration;
    }

    /// <summary>
    /// kubectl's merge (kubernetes.io, "Merging kubeconfig files"): the first file to define a cluster, user or context
    /// of a name wins, and the current context is the first one set.
    /// </summary>
    public static K8SConfiguration Merge(IReadOnlyList<K8SConfiguration> configurations)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        static List<T> FirstByName<T>(IEnumerable<T>? items, Func<T, string> name) =>
            (items ?? []).GroupBy(name, StringComparer.Ordinal).Select(g => g.First()).ToList();

        var first = configurations.Count > 0 ? configurations[0] : new K8SConfiguration();
        return new K8SConfiguration
        {
            ApiVersion = first.ApiVersion,
            Kind = first.Kind,
            FileName = first.FileName,
            CurrentContext = configurations.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c)),
            Preferences = first.Preferences,
            Clusters = FirstByName(configurations.SelectMany(c => c.Clusters ?? []), c => c.Name),
            Users = FirstByName(configurations.SelectMany(c => c.Users ?? []), u => u.Name),
            Contexts = FirstByName(configurations.SelectMany(c => c.Contexts ?? []), c => c.Name),
            Extensions = first.Extensions,
        };
    }

    /// <summary>Hoist:Kubernetes:Namespace, else the kubeconfig context's (or the pod's own), else "default".</summary>
    public static string DefaultNamespace(KubernetesBackendOptions options, KubernetesClientConfiguration configuration) =>
        options.Namespace is { Length: > 0 } ns ? ns
        : configuration.Namespace is { Length: > 0 } configured ? configured
        : Manifests.ManifestOptions.DefaultNamespace;
}

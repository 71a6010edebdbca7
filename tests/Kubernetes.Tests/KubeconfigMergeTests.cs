using Hoist.Backends.Kubernetes;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// A KUBECONFIG list is merged the way kubectl merges it: the first file to define a name wins, the current context
/// comes from the first file that sets one, and a context defined only in a later file is found by name. Real files.
/// </summary>
public sealed class KubeconfigMergeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hoist-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Config(string currentContext, params (string Context, string Server, string? Namespace)[] contexts) => $"""
        apiVersion: v1
        kind: Config
        {(currentContext.Length > 0 ? $"current-context: {currentContext}" : "")}
        clusters:
        {string.Concat(contexts.Select(c => $"- name: {c.Context}\n  cluster:\n    server: {c.Server}\n    insecure-skip-tls-verify: true\n"))}
        users:
        {string.Concat(contexts.Select(c => $"- name: {c.Context}\n  user:\n    token: token-{c.Context}\n"))}
        contexts:
        {string.Concat(contexts.Select(c => $"- name: {c.Context}\n  context:\n    cluster: {c.Context}\n    user: {c.Context}\n{(c.Namespace is null ? "" : $"    namespace: {c.Namespace}\n")}"))}
        """;

    [Fact]
    public void TheCurrentContext_IsTheFirstFilesThatSetsOne()
    {
        var personal = Write("personal", Config("", ("laptop", "https://laptop.example:6443", null)));
        var team = Write("team", Config("gpu", ("gpu", "https://gpu.example:6443", "ml")));

        var configuration = KubernetesConnection.FromKubeconfigFiles([personal, team], context: null);

        Assert.Equal("https://gpu.example:6443/", configuration.Host.TrimEnd('/') + "/");
        Assert.Equal("ml", configuration.Namespace);
    }

    [Fact]
    public void ANamedContext_FromALaterFile_IsFound()
    {
        var first = Write("first", Config("laptop", ("laptop", "https://laptop.example:6443", null)));
        var second = Write("second", Config("gpu", ("gpu", "https://gpu.example:6443", "ml")));

        var configuration = KubernetesConnection.FromKubeconfigFiles([first, second], context: "gpu");

        Assert.StartsWith("https://gpu.example:6443", configuration.Host, StringComparison.Ordinal);
        Assert.Equal("ml", configuration.Namespace);
    }

    [Fact]
    public void TheFirstDefinitionOfAName_Wins()
    {
        var first = Write("first", Config("shared", ("shared", "https://first.example:6443", "one")));
        var second = Write("second", Config("shared", ("shared", "https://second.example:6443", "two")));

        var configuration = KubernetesConnection.FromKubeconfigFiles([first, second], context: "shared");

        Assert.StartsWith("https://first.example:6443", configuration.Host, StringComparison.Ordinal);
        Assert.Equal("one", configuration.Namespace);
    }

    [Fact]
    public void RelativeCertificatePaths_AreEachFilesOwn()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "team"));
        var first = Write("first", Config("laptop", ("laptop", "https://laptop.example:6443", null)));
        var second = Write(Path.Combine("team", "config"), """
            apiVersion: v1
            kind: Config
            clusters:
            - name: gpu
              cluster:
                server: https://gpu.example:6443
                certificate-authority: certs/ca.crt
            users:
            - name: gpu
              user:
                token: t
            contexts:
            - name: gpu
              context:
                cluster: gpu
                user: gpu
            """);

        var merged = KubernetesConnection.Merge([KubernetesConnection.Load(first), KubernetesConnection.Load(second)]);

        Assert.Equal("laptop", merged.CurrentContext);
        Assert.Equal(["laptop", "gpu"], merged.Contexts.Select(c => c.Name));
        Assert.Equal(Path.Combine(_folder, "team", "certs", "ca.crt"), merged.Clusters.Single(c => c.Name == "gpu").ClusterEndpoint.CertificateAuthority);
    }

    [Fact]
    public void AListIsSplitOnThePathSeparator_DroppingBlanksAndQuotes() =>
        Assert.Equal(["/a/config", "/b/config"], KubernetesConnection.KubeconfigFiles($"\"/a/config\"{Path.PathSeparator}{Path.PathSeparator} /b/config "));
}

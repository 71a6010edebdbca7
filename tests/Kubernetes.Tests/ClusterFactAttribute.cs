namespace Hoist.Kubernetes.Tests;

/// <summary>
/// A test that needs a real Kubernetes cluster: it runs when KUBECONFIG names an existing kubeconfig file and
/// is skipped, saying so, otherwise. Nothing here fakes the API server. With <see cref="NeedsTestImage"/>, it also
/// needs HOIST_TEST_IMAGE: Hoist.TestApp published as a container image the cluster can pull, for example
/// <c>dotnet publish tests/TestApp -c Release -t:PublishContainer -p:ContainerRepository=hoist-testapp -p:ContainerRegistry=registry.example</c>.
/// </summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public const string NoCluster = "No Kubernetes cluster: set KUBECONFIG to run these tests.";
    public const string NoImage = "No test image: set HOIST_TEST_IMAGE to Hoist.TestApp published as a container image the cluster can pull.";

    private bool _needsTestImage;

    public ClusterFactAttribute()
    {
        if (!ClusterEnvironment.HasCluster)
        {
            Skip = NoCluster;
        }
    }

    public bool NeedsTestImage
    {
        get => _needsTestImage;
        set
        {
            _needsTestImage = value;
            if (value && Skip is null && ClusterEnvironment.TestImage is null)
            {
                Skip = NoImage;
            }
        }
    }
}

/// <summary>What the cluster tests read from the environment.</summary>
public static class ClusterEnvironment
{
    public static bool HasCluster => Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } path
        && path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(File.Exists);

    public static string? TestImage => Environment.GetEnvironmentVariable("HOIST_TEST_IMAGE") is { Length: > 0 } image ? image : null;

    public static string Namespace => Environment.GetEnvironmentVariable("HOIST_TEST_NAMESPACE") is { Length: > 0 } ns ? ns : "default";
}

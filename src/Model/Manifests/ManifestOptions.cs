namespace Hoist.Manifests;

/// <summary>
/// What the renderer needs beyond the descriptor: where the objects go and which container image runs the
/// app. The same options feed build-time emit and deploy time, so the manifests on disk are what gets applied.
/// </summary>
public sealed record ManifestOptions
{
    public const string DefaultNamespace = "default";
    public const int DefaultGrpcPort = 50051;
    public const int DefaultRendezvousPort = 29500;
    public const string DefaultClusterDomain = "cluster.local";

    /// <summary>
    /// Where the app lives inside its image: the .NET SDK's container publishing (<c>PublishContainer</c>) and
    /// the usual Dockerfiles copy the published app to <c>/app</c>.
    /// </summary>
    public const string AppDirectory = "/app";

    /// <summary>The key of the call token inside the token Secret.</summary>
    public const string TokenSecretKey = "token";

    /// <summary>The app (its entry assembly's name, e.g. "MyApp"): the <c>app.kubernetes.io/part-of</c> label and the default <see cref="EntryAssembly"/>.</summary>
    public required string AppName { get; init; }

    /// <summary>
    /// The app's container image, e.g. "registry.example/app:1.0": what services on the default base image run. A service
    /// on another <c>[Compute(Image)]</c> base runs the app built onto that base, "registry.example/app:1.0-pytorch-23.10-py3"
    /// (<see cref="ServiceImages.For"/>); the manifests record the base in <c>hoist.dev/base-image</c>.
    /// </summary>
    public required string Image { get; init; }

    /// <summary>The namespace for services that do not name one; <c>[Compute(Namespace)]</c> wins when set.</summary>
    public string Namespace { get; init; } = DefaultNamespace;

    /// <summary>
    /// The dll the worker container runs as <c>dotnet /app/&lt;EntryAssembly&gt;</c>; null means
    /// "&lt;AppName&gt;.dll". The process becomes a worker because of <c>HOIST_ROLE=worker</c>, not its arguments.
    /// </summary>
    public string? EntryAssembly { get; init; }

    /// <summary>The port a worker serves gRPC (h2c) on: container port, Service port and probes.</summary>
    public int GrpcPort { get; init; } = DefaultGrpcPort;

    /// <summary>The port rank 0 listens on for the framework's rendezvous (MASTER_PORT, the JAX coordinator, TF workers).</summary>
    public int RendezvousPort { get; init; } = DefaultRendezvousPort;

    /// <summary>
    /// The Secret holding the call token under the key <see cref="TokenSecretKey"/>; null means
    /// "&lt;app&gt;-hoist-token". One per app, because the token is one per deployment. The manifests only refer
    /// to it; <see cref="ManifestRenderer.RenderTokenSecret"/> makes it at deploy time.
    /// </summary>
    public string? TokenSecretName { get; init; }

    /// <summary>"Always", "IfNotPresent" or "Never"; null leaves Kubernetes' default.</summary>
    public string? ImagePullPolicy { get; init; }

    /// <summary>The cluster's DNS domain, used in rank 0's stable name (MASTER_ADDR).</summary>
    public string ClusterDomain { get; init; } = DefaultClusterDomain;

    /// <summary>
    /// The caller's <c>OTEL_*</c> settings for every worker container, so pods export wherever the caller does. Only
    /// the Kubernetes backend sets them, at deploy time: the build does not read its environment.
    /// </summary>
    public IReadOnlyDictionary<string, string> TelemetryEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long a worker may take to finish its calls once stopped (<c>Hoist:Kubernetes:StopTimeout</c>).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The pods' <c>terminationGracePeriodSeconds</c>: at least <see cref="StopTimeout"/>, and never below Kubernetes'
    /// own 30 s, so kubelet does not kill a worker that is still finishing its calls.
    /// </summary>
    public long TerminationGracePeriodSeconds => Math.Max(30, (long)Math.Ceiling(StopTimeout.TotalSeconds));

    /// <summary><c>Hoist:Kubernetes:PodTemplate</c>: pod-spec fields merged into every worker pod; null for none.</summary>
    public PodTemplate? PodTemplate { get; init; }

    public string ResolvedEntryAssembly => EntryAssembly is { Length: > 0 } entry ? entry : AppName + ".dll";

    public string ResolvedTokenSecretName =>
        TokenSecretName is { Length: > 0 } name ? name : KubernetesNames.Fit(KubernetesNames.ToDnsLabel(AppName) + "-hoist-token", KubernetesNames.MaxLabelLength);
}

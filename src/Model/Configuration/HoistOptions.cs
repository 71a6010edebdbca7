namespace Hoist.Configuration;

/// <summary>The <c>Hoist</c> configuration section.</summary>
public sealed class HoistOptions
{
    public const string SectionName = "Hoist";

    /// <summary>"local" (the default) or "kubernetes".</summary>
    public string Backend { get; set; } = "local";

    /// <summary>
    /// The deployment's call token. Workers refuse calls without it. When unset, the local backend makes a
    /// random one per run.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// The largest request a worker accepts inline, in bytes; larger ones get ResourceExhausted. Arguments a local caller
    /// puts in shared memory are bounded by /dev/shm's free space instead.
    /// </summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Show each worker's stdout, stderr and log records through the caller's logger.</summary>
    public bool ForwardWorkerLogs { get; set; } = true;

    /// <summary>Per-service overrides of the attribute values, keyed by service name.</summary>
    public Dictionary<string, ServiceOverrides> Services { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The values of <c>[Secret]</c>s for the local backend, by secret name then key: <c>Hoist:Secrets:huggingface:token</c>,
    /// best kept in user secrets or the environment. In a cluster they come from Kubernetes Secrets instead. Never logged.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> Secrets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public LocalBackendOptions Local { get; set; } = new();

    /// <summary>Settings of the Kubernetes backend; read only when <see cref="Backend"/> is "kubernetes".</summary>
    public KubernetesBackendOptions Kubernetes { get; set; } = new();
}

/// <summary>Settings of the local backend: workers as processes of this executable on loopback.</summary>
public sealed class LocalBackendOptions
{
    /// <summary>How long a stopping worker may take to finish its in-flight calls before it is killed.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many of a worker's last stderr lines a launch error quotes.</summary>
    public int StderrLinesInErrors { get; set; } = 20;

    /// <summary>
    /// How many calls may wait for a service that has no ready replica (scaling from zero, or restarting).
    /// More are refused with ResourceExhausted rather than queued without bound.
    /// </summary>
    public int ActivatorQueueLimit { get; set; } = 1000;

    /// <summary>
    /// Where the markers of [Setup] step lists already run are kept, one per hash of a list. Unset: a folder only this
    /// user can enter, <c>$XDG_CACHE_HOME/hoist/setup</c> (else <c>~/.cache/hoist/setup</c>), which outlives a reboot
    /// as what the steps installed does.
    /// </summary>
    public string? SetupCacheFolder { get; set; }

    /// <summary>
    /// Where [Volume] folders live, one per app and volume (<c>&lt;folder&gt;/&lt;app&gt;/&lt;volume&gt;</c>), shared by every
    /// replica and run. Unset: <c>$XDG_DATA_HOME/hoist/volumes</c> (else <c>~/.local/share/hoist/volumes</c>).
    /// </summary>
    public string? VolumesFolder { get; set; }

    /// <summary>
    /// How this process reaches its workers: "unix" (the default: a Unix domain socket in a folder only this
    /// user can enter, with large payloads in shared memory), or "tcp" (loopback ports). "unix" falls back to
    /// "tcp" where the OS has no Unix sockets.
    /// </summary>
    public string Transport { get; set; } = LocalTransports.Unix;

    /// <summary>
    /// With the "unix" transport, a call's arguments or result of at least this many bytes travel through a
    /// shared-memory file instead of inside the call's message. 0 turns shared memory off. The default sits where the
    /// transport benchmark (<c>-- transport</c>, its last table) finds shared memory winning: inline frames on the call socket
    /// are faster up to 64 KiB, shared memory from 96 KiB.
    /// </summary>
    public int SharedMemoryThreshold { get; set; } = 96 * 1024;

    /// <summary>
    /// Keep workers warm across runs of this app: they outlive it until the service's InactivityTtl (10 minutes
    /// when it sets none), the next run reattaches to them, and a changed build is synced into them instead of
    /// cold-starting new ones. <c>hoist status --local</c> lists them, <c>hoist teardown --local app</c> stops one app's. Off by default.
    /// </summary>
    public bool KeepWarm { get; set; }
}

/// <summary>The values of <see cref="LocalBackendOptions.Transport"/>.</summary>
public static class LocalTransports
{
    public const string Unix = "unix";
    public const string Tcp = "tcp";

    public static readonly IReadOnlyList<string> All = [Unix, Tcp];
}

/// <summary>
/// Settings of the Kubernetes backend (<c>Hoist:Kubernetes</c>): which cluster, which namespace, which image
/// runs the app, and how this process reaches the workers.
/// </summary>
public sealed class KubernetesBackendOptions
{
    /// <summary>
    /// The app's container image, e.g. "registry.example/app:1.0": this same executable, published to /app.
    /// Required with the Kubernetes backend.
    /// </summary>
    public string? Image { get; set; }

    /// <summary>The namespace for services that do not name one. Unset: the kubeconfig context's, or the pod's own, or "default".</summary>
    public string? Namespace { get; set; }

    /// <summary>The kubeconfig file. Unset: $KUBECONFIG, then ~/.kube/config, then the pod's service account.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context to use; unset means its current context.</summary>
    public string? Context { get; set; }

    /// <summary>
    /// How this process reaches workers: "port-forward" (through the API server, from a laptop or CI),
    /// "cluster-dns" (Service DNS, from a pod in the cluster), or "auto": cluster-dns when this process runs in
    /// a pod (KUBERNETES_SERVICE_HOST is set), port-forward otherwise.
    /// </summary>
    public string ConnectMode { get; set; } = KubernetesConnectModes.Auto;

    /// <summary>The app's name: the <c>app.kubernetes.io/part-of</c> label and the dll the container runs. Unset: the entry assembly's name.</summary>
    public string? AppName { get; set; }

    /// <summary>The dll the worker container runs from /app; unset means "&lt;AppName&gt;.dll".</summary>
    public string? EntryAssembly { get; set; }

    /// <summary>"Always", "IfNotPresent" or "Never"; unset leaves Kubernetes' default.</summary>
    public string? ImagePullPolicy { get; set; }

    public int GrpcPort { get; set; } = Manifests.ManifestOptions.DefaultGrpcPort;

    /// <summary>
    /// When this app starts against services it deployed before, sync its build into their running pods (only
    /// the files that differ) instead of leaving them on the code their image holds. A frozen service is never
    /// synced: this run then fails, naming <c>hoist deploy</c>, rather than call stale code. On by default.
    /// </summary>
    public bool SyncCode { get; set; } = true;

    public int RendezvousPort { get; set; } = Manifests.ManifestOptions.DefaultRendezvousPort;

    /// <summary>The Secret holding the call token; unset means "&lt;app&gt;-hoist-token".</summary>
    public string? TokenSecretName { get; set; }

    public string ClusterDomain { get; set; } = Manifests.ManifestOptions.DefaultClusterDomain;

    /// <summary>Where Knative runs its activator, which port-forwarded calls to an autoscaled service go through.</summary>
    public string KnativeNamespace { get; set; } = "knative-serving";

    public const string DefaultRuntimeIdentifier = "linux-x64";

    /// <summary>The .NET runtime identifiers of Linux nodes that <see cref="RuntimeIdentifier"/> allows.</summary>
    public static IReadOnlyList<string> RuntimeIdentifiers { get; } = ["linux-x64", "linux-arm64", "linux-musl-x64", "linux-musl-arm64"];

    /// <summary>The platform of the cluster's nodes that <c>hoist deploy</c> builds images for, whatever the build machine is.</summary>
    public string RuntimeIdentifier { get; set; } = DefaultRuntimeIdentifier;

    /// <summary>How long a teardown waits for the workers' pods to finish their calls and go away.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many of a crashing container's last log lines a launch error quotes.</summary>
    public int LogLinesInErrors { get; set; } = 20;

    /// <summary>
    /// A YAML file of pod-spec fields merged into every worker pod of every kind (tolerations, a node selector, volumes,
    /// a securityContext, init containers...), relative to the folder of the appsettings.json that names it. Fields Hoist
    /// owns are refused (HOIST051); docs/kubernetes.md, "A pod template", has the list and the merge rule.
    /// </summary>
    public string? PodTemplate { get; set; }
}

/// <summary>The values of <see cref="KubernetesBackendOptions.ConnectMode"/>.</summary>
public static class KubernetesConnectModes
{
    public const string Auto = "auto";
    public const string PortForward = "port-forward";
    public const string ClusterDns = "cluster-dns";

    public static IReadOnlyList<string> All { get; } = [Auto, PortForward, ClusterDns];
}

namespace Hoist;

/// <summary>
/// Everything the attributes say about one service, with the defaults filled in. The generator writes one
/// per service; backends, the autoscaler and the manifest renderer read it. Configuration overrides are
/// applied on top at run time from the <c>Hoist:Services:&lt;name&gt;</c> section, never baked in here.
/// </summary>
public sealed record ServiceDescriptor
{
    /// <summary>The DNS-1123 service name, e.g. "embed".</summary>
    public required string Name { get; init; }

    public required ServiceKind Kind { get; init; }

    /// <summary>The declaring type's metadata name, e.g. "MyApp.Embeddings".</summary>
    public required string DeclaringType { get; init; }

    /// <summary>The assembly that declares the service; a worker loads it to find the dispatch table.</summary>
    public required string AssemblyName { get; init; }

    /// <summary>The remote method ids, in declaration order.</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    public ComputeSpec Compute { get; init; } = new();

    public DistributionSpec? Distribution { get; init; }

    public AutoscaleSpec? Autoscale { get; init; }

    /// <summary>
    /// The default deadline of every call (<c>Hoist:Services:&lt;name&gt;:CallTimeout</c>). Only configuration sets it,
    /// so it is never part of the descriptor's JSON; the effective descriptor carries it to the renderer, which
    /// sizes Knative's request timeout from it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan? CallTimeout { get; init; }

    /// <summary>The <c>[Env]</c> variables every worker gets, in declaration order.</summary>
    public IReadOnlyList<EnvironmentVariableSpec> Environment
    {
        get => _environment;
        init => _environment = value ?? []; // A descriptor written before [Env] has none (JSON reads a missing list as null).
    }

    /// <summary>The <c>[Secret]</c> references: names, keys and variables, never a value.</summary>
    public IReadOnlyList<SecretSpec> Secrets
    {
        get => _secrets;
        init => _secrets = value ?? [];
    }

    /// <summary>The <c>[Setup]</c> shell steps, in the order they run.</summary>
    public IReadOnlyList<string> Setup
    {
        get => _setup;
        init => _setup = value ?? []; // Descriptors written before [Setup] and [Volume] have neither.
    }

    /// <summary>The <c>[Volume]</c>s every worker mounts.</summary>
    public IReadOnlyList<VolumeSpec> Volumes
    {
        get => _volumes;
        init => _volumes = value ?? [];
    }

    /// <summary>
    /// The wire contract of each remote method, in declaration order: what its arguments and result look like on the
    /// wire, and that text's fingerprint, which every call from a generated proxy carries and its worker checks.
    /// </summary>
    public IReadOnlyList<WireContract> WireContracts
    {
        get => _wireContracts;
        init => _wireContracts = value ?? []; // Descriptors written before wire contracts have none.
    }

    private readonly IReadOnlyList<WireContract> _wireContracts = [];
    private readonly IReadOnlyList<EnvironmentVariableSpec> _environment = [];
    private readonly IReadOnlyList<SecretSpec> _secrets = [];
    private readonly IReadOnlyList<string> _setup = [];
    private readonly IReadOnlyList<VolumeSpec> _volumes = [];
}

/// <summary>One <c>[Volume]</c>: a PersistentVolumeClaim mounted at <see cref="Path"/> in a pod, a shared folder locally.</summary>
public sealed record VolumeSpec
{
    public required string Name { get; init; }
    public required string Path { get; init; }

    /// <summary>Null for <see cref="Settings.WorkerVolumes.DefaultSize"/>.</summary>
    public string? Size { get; init; }

    /// <summary>Null for the cluster's default StorageClass.</summary>
    public string? StorageClass { get; init; }
}

/// <summary>One <c>[Env("NAME", "value")]</c>.</summary>
public sealed record EnvironmentVariableSpec
{
    public required string Name { get; init; }
    public required string Value { get; init; }
}

/// <summary>
/// One <c>[Secret]</c>: with no <see cref="Key"/>, every key of the secret becomes a variable of the same name; with
/// one, <see cref="Variable"/> receives that key's value. The value itself lives in the cluster or the caller's
/// configuration (<c>Hoist:Secrets:&lt;name&gt;:&lt;key&gt;</c>), never here.
/// </summary>
public sealed record SecretSpec
{
    public required string Name { get; init; }
    public string? Key { get; init; }
    public string? Variable { get; init; }
}

/// <summary>Whether the service is a single static method or a class whose instance lives in the worker.</summary>
public enum ServiceKind
{
    Method,
    Class,
}

/// <summary>Resources and lifecycle from <c>[Compute]</c>.</summary>
public sealed record ComputeSpec
{
    public const string DefaultImage = Settings.ServiceDefaults.Image;
    public const int DefaultLaunchTimeoutSeconds = Settings.ServiceDefaults.LaunchTimeoutSeconds;

    public int Gpus { get; init; }
    public double Cpus { get; init; }
    public string? Memory { get; init; }
    public string? Disk { get; init; }
    public string Image { get; init; } = DefaultImage;
    public string? InactivityTtl { get; init; }
    public int LaunchTimeout { get; init; } = DefaultLaunchTimeoutSeconds;
    public bool Freeze { get; init; }
    public string? Namespace { get; init; }

    /// <summary>The GPU product (node label <c>nvidia.com/gpu.product</c>) a pod must run on.</summary>
    public string? GpuType { get; init; }

    /// <summary>The size of a memory-backed /dev/shm in a pod.</summary>
    public string? SharedMemory { get; init; }

    /// <summary>"key=value,..." node labels a pod must run on (<see cref="Settings.WorkerPlacement"/>).</summary>
    public string? NodeSelector { get; init; }

    /// <summary>"key=value:Effect,..." taints a pod tolerates (<see cref="Settings.WorkerPlacement"/>).</summary>
    public string? Tolerations { get; init; }

    /// <summary>The pod's service account (<c>serviceAccountName</c>).</summary>
    public string? ServiceAccount { get; init; }

    /// <summary>"a,b": the pod's <c>imagePullSecrets</c>.</summary>
    public string? ImagePullSecrets { get; init; }

    /// <summary>The pod's <c>priorityClassName</c>.</summary>
    public string? PriorityClass { get; init; }

    /// <summary>"k=v,...": labels on the workload and its pods.</summary>
    public string? Labels { get; init; }

    /// <summary>"k=v,...": annotations on the workload and its pods.</summary>
    public string? Annotations { get; init; }

    /// <summary>The Kueue LocalQueue (label <c>kueue.x-k8s.io/queue-name</c>).</summary>
    public string? Queue { get; init; }

    /// <summary>A preferred topology spread of the service's pods over nodes.</summary>
    public bool SpreadAcrossNodes { get; init; }
}

/// <summary>The worker group from <c>[Distribute]</c>.</summary>
public sealed record DistributionSpec
{
    public required string Type { get; init; }
    public required int Workers { get; init; }
}

/// <summary>Knative KPA settings from <c>[Autoscale]</c>. Null means "unset", which differs from zero.</summary>
public sealed record AutoscaleSpec
{
    public double Target { get; init; } = Settings.ServiceDefaults.Target;
    public string Window { get; init; } = Settings.ServiceDefaults.Window;
    public string Metric { get; init; } = Settings.ServiceDefaults.Metric;
    public int TargetUtilization { get; init; } = Settings.ServiceDefaults.TargetUtilization;
    public int? MinScale { get; init; }
    public int MaxScale { get; init; } = Settings.ServiceDefaults.MaxScale;
    public int InitialScale { get; init; } = Settings.ServiceDefaults.InitialScale;
    public int? ScaleToZeroGracePeriod { get; init; }

    /// <summary>The most calls a replica runs at once; 0 means no limit.</summary>
    public int ContainerConcurrency { get; init; }

    /// <summary>How long a scale-down waits, a duration; null for none.</summary>
    public string? ScaleDownDelay { get; init; }
}

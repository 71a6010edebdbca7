namespace Hoist.Manifests.Tests;

/// <summary>One descriptor per kind of service, as the generator would write them for a small app.</summary>
internal static class Samples
{
    public static readonly ManifestOptions Options = new()
    {
        AppName = "MyApp",
        Image = "registry.example/myapp:1.0",
    };

    public static ServiceDescriptor Service(string name, ComputeSpec? compute = null, DistributionSpec? distribution = null, AutoscaleSpec? autoscale = null) => new()
    {
        Name = name,
        Kind = ServiceKind.Method,
        DeclaringType = "MyApp.Services",
        AssemblyName = "MyApp",
        Methods = [$"MyApp.Services.{name}"],
        Compute = compute ?? new ComputeSpec(),
        Distribution = distribution,
        Autoscale = autoscale,
    };

    /// <summary>Every kind the renderer knows, by the name of its snapshot.</summary>
    public static IReadOnlyDictionary<string, ServiceDescriptor> Kinds { get; } = new Dictionary<string, ServiceDescriptor>
    {
        ["plain"] = Service("chat", new ComputeSpec { Cpus = 2, Memory = "4Gi" }) with
        {
            Kind = ServiceKind.Class,
            Environment = [new EnvironmentVariableSpec { Name = "HF_HOME", Value = "/models" }],
            Secrets = [new SecretSpec { Name = "huggingface", Key = "token", Variable = "HF_TOKEN" }],
        },
        ["autoscaled"] = Service("embed",
            new ComputeSpec { Cpus = 3, Memory = "12Gi", InactivityTtl = "24h", LaunchTimeout = 60 },
            autoscale: new AutoscaleSpec { Target = 8, Metric = "concurrency", MaxScale = 10 }) with
        {
            Environment = [new EnvironmentVariableSpec { Name = "MODEL", Value = "bge-small" }],
            Secrets = [new SecretSpec { Name = "wandb" }, new SecretSpec { Name = "huggingface", Key = "token", Variable = "HF_TOKEN" }],
        },
        ["autoscaled-scale-to-zero"] = Service("embed-lite",
            new ComputeSpec { Cpus = 0.5, Memory = "1Gi" },
            autoscale: new AutoscaleSpec { Target = 20, Metric = "rps", Window = "30s", TargetUtilization = 80, MinScale = 2, MaxScale = 0, InitialScale = 2, ScaleToZeroGracePeriod = 300 }),
        ["pytorch"] = Service("trainer", new ComputeSpec { Gpus = 1 }, new DistributionSpec { Type = "pytorch", Workers = 4 }) with
        {
            Environment = [new EnvironmentVariableSpec { Name = "NCCL_DEBUG", Value = "INFO" }],
            Secrets = [new SecretSpec { Name = "wandb", Key = "api-key", Variable = "WANDB_API_KEY" }],
        },
        ["pytorch-autoscaled"] = Service("trainer-elastic",
            new ComputeSpec { Cpus = 4 },
            new DistributionSpec { Type = "pytorch", Workers = 2 },
            new AutoscaleSpec { MaxScale = 3, ScaleToZeroGracePeriod = 600, ContainerConcurrency = 1, ScaleDownDelay = "2m" }),
        // Tensor-parallel inference scaled out: groups of 2 ranks, starting with 2 groups (4 pods), up to 3.
        ["pytorch-groups"] = Service("infer-tp",
            new ComputeSpec { Gpus = 1 },
            new DistributionSpec { Type = "pytorch", Workers = 2 },
            new AutoscaleSpec { Target = 1, MaxScale = 3, InitialScale = 2 }),
        ["jax"] = Service("jax-train", new ComputeSpec { Cpus = 8, Memory = "32Gi" }, new DistributionSpec { Type = "jax", Workers = 3 }),
        ["tensorflow"] = Service("tf-train", new ComputeSpec { Cpus = 4 }, new DistributionSpec { Type = "tensorflow", Workers = 3 }),
        ["spmd"] = Service("sim", new ComputeSpec { Cpus = 1, Namespace = "batch" }, new DistributionSpec { Type = "spmd", Workers = 2 }),
        ["ray"] = Service("tune", new ComputeSpec { Cpus = 4, Memory = "8Gi", Gpus = 1, Image = "rayproject/ray:2.9.0" }, new DistributionSpec { Type = "ray", Workers = 3 }) with
        {
            Environment = [new EnvironmentVariableSpec { Name = "TUNE_RESULT_DIR", Value = "/results" }],
            Secrets = [new SecretSpec { Name = "huggingface" }],
        },
        ["gpu"] = Service("generate",
            new ComputeSpec { Gpus = 2, Cpus = 4, Memory = "16Gi", Disk = "50Gi", Image = "nvcr.io/nvidia/pytorch:23.10-py3", Freeze = true, Namespace = "ml", LaunchTimeout = 600 }),
        ["around"] = Service("vllm", new ComputeSpec
        {
            Gpus = 1,
            Memory = "24Gi",
            Image = "nvcr.io/nvidia/pytorch:23.10-py3",
            GpuType = "NVIDIA-A100-SXM4-80GB",
            SharedMemory = "16Gi",
            NodeSelector = "cloud.google.com/gke-nodepool=gpu,disktype=ssd",
            Tolerations = "dedicated=ml:NoSchedule,spot:NoExecute,reserved",
        }) with
        {
            Environment = [new EnvironmentVariableSpec { Name = "HF_HOME", Value = "/models" }],
            Secrets = [new SecretSpec { Name = "huggingface", Key = "token", Variable = "HF_TOKEN" }],
            Setup = ["pip install vllm", "echo 'it''s ready' > /tmp/ready"],
            Volumes = [new VolumeSpec { Name = "models", Path = "/models", Size = "100Gi" }, new VolumeSpec { Name = "hf-cache", Path = "/root/.cache/huggingface", StorageClass = "standard-rwx" }],
        },
        ["around-autoscaled"] = Service("embed-vllm",
            new ComputeSpec { Gpus = 1, SharedMemory = "8Gi", NodeSelector = "disktype=ssd", LaunchTimeout = 1200 },
            autoscale: new AutoscaleSpec { Target = 4, MaxScale = 4 }) with
        {
            Setup = ["pip install vllm"],
            Volumes = [new VolumeSpec { Name = "models", Path = "/models", Size = "100Gi" }],
        },
        ["around-pytorch"] = Service("finetune",
            new ComputeSpec { Gpus = 8, GpuType = "NVIDIA-H100-80GB-HBM3", SharedMemory = "64Gi", Tolerations = "dedicated=training:NoSchedule" },
            new DistributionSpec { Type = "pytorch", Workers = 2 }) with
        {
            Setup = ["pip install deepspeed"],
            Volumes = [new VolumeSpec { Name = "checkpoints", Path = "/checkpoints", Size = "1Ti" }],
        },
        ["around-ray"] = Service("tune-large",
            new ComputeSpec { Gpus = 1, Image = "rayproject/ray:2.9.0", GpuType = "NVIDIA-L4", SharedMemory = "4Gi" },
            new DistributionSpec { Type = "ray", Workers = 2 }) with
        {
            Setup = ["pip install 'ray[tune]==2.9.0'"],
            Volumes = [new VolumeSpec { Name = "results", Path = "/results" }],
        },
        ["pod-settings"] = Service("serve", PodSettings),
        ["pod-settings-autoscaled"] = Service("serve-scaled", PodSettings, autoscale: new AutoscaleSpec { Target = 4, MaxScale = 4, ContainerConcurrency = 8, ScaleDownDelay = "5m" }),
        ["pod-settings-pytorch"] = Service("train-ranks", PodSettings with { Gpus = 1 }, new DistributionSpec { Type = "pytorch", Workers = 2 }),
        ["pod-settings-ray"] = Service("tune-pods", PodSettings with { Image = "rayproject/ray:2.9.0" }, new DistributionSpec { Type = "ray", Workers = 2 }),

        // Rendered with PodTemplateOptions: the file merged into every kind, beside the service's own selector and tolerations.
        ["pod-template"] = Service("serve-templated", TemplatedSettings),
        ["pod-template-autoscaled"] = Service("serve-templated-scaled", TemplatedSettings, autoscale: new AutoscaleSpec { Target = 4, MaxScale = 4 }),
        ["pod-template-pytorch"] = Service("train-templated", TemplatedSettings with { Gpus = 1 }, new DistributionSpec { Type = "pytorch", Workers = 2 }),
        ["pod-template-ray"] = Service("tune-templated", TemplatedSettings with { Image = "rayproject/ray:2.9.0" }, new DistributionSpec { Type = "ray", Workers = 2 }),
    };

    /// <summary>The service settings the pod-template* samples merge the file with: their node selector and tolerations meet the file's.</summary>
    private static ComputeSpec TemplatedSettings => new() { Cpus = 1, NodeSelector = "disktype=ssd", Tolerations = "dedicated=ml:NoSchedule" };

    /// <summary>The options of the pod-template* samples: tests/Manifests.Tests/PodTemplates/pod-template.yaml as Hoist:Kubernetes:PodTemplate.</summary>
    public static ManifestOptions PodTemplateOptions { get; } = Options with { PodTemplate = PodTemplate.Load(Path.Combine("PodTemplates", "pod-template.yaml"), AppContext.BaseDirectory) };

    /// <summary>The options a sample is rendered with.</summary>
    public static ManifestOptions OptionsFor(string kind) => kind.StartsWith("pod-template", StringComparison.Ordinal) ? PodTemplateOptions : Options;

    /// <summary>The pod settings of [Compute], rendered into every pod kind by the pod-settings* samples.</summary>
    private static ComputeSpec PodSettings => new()
    {
        Cpus = 1,
        ServiceAccount = "trainer",
        ImagePullSecrets = "ghcr-pull, registry-pull",
        PriorityClass = "batch-low",
        Labels = "team=ml,app.kubernetes.io/version=1.2",
        Annotations = "example.com/owner=ml-team,prometheus.io/scrape=true",
        Queue = "team-ml",
        SpreadAcrossNodes = true,
    };

    public static IEnumerable<object[]> KindNames => Kinds.Keys.Select(k => new object[] { k });
}

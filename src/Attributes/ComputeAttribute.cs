using System;

namespace Hoist
{
    /// <summary>
    /// Marks a method (or a class, whose public methods all become remote) as a Hoist service that runs
    /// in worker processes or pods. The values are defaults: the <c>Hoist:Services:&lt;name&gt;</c>
    /// configuration section overrides them at deploy time without a rebuild.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class ComputeAttribute : Attribute
    {
        /// <summary>GPUs per worker, rendered as an <c>nvidia.com/gpu</c> limit with a GPU toleration.</summary>
        public int Gpus { get; set; }

        /// <summary>CPU cores requested per worker; fractions are allowed (0.5).</summary>
        public double Cpus { get; set; }

        /// <summary>Memory per worker as a Kubernetes quantity, for example "12Gi".</summary>
        public string? Memory { get; set; }

        /// <summary>Ephemeral disk per worker as a Kubernetes quantity, for example "50Gi".</summary>
        public string? Disk { get; set; }

        /// <summary>Base image for the worker container. Defaults to a .NET runtime image.</summary>
        public string? Image { get; set; }

        /// <summary>Tear the service down after this long without calls, for example "30m" or "24h".</summary>
        public string? InactivityTtl { get; set; }

        /// <summary>Seconds a worker has to become ready before the launch fails with the reason.</summary>
        public int LaunchTimeout { get; set; } = Settings.ServiceDefaults.LaunchTimeoutSeconds;

        /// <summary>Production mode: no hot code sync.</summary>
        public bool Freeze { get; set; }

        /// <summary>Service name, a DNS-1035 label of at most 63 characters (it starts with a letter). Derived from the member name when unset.</summary>
        public string? Name { get; set; }

        /// <summary>Kubernetes namespace. Taken from configuration when unset.</summary>
        public string? Namespace { get; set; }

        /// <summary>
        /// The GPU product to run on, as the node label <c>nvidia.com/gpu.product</c> says it, for example
        /// "NVIDIA-A100-SXM4-80GB". Needs Gpus. Locally it is checked against nvidia-smi when the machine has it.
        /// </summary>
        public string? GpuType { get; set; }

        /// <summary>The size of a memory-backed <c>/dev/shm</c> in a pod, for example "16Gi" (NCCL, DataLoader workers).</summary>
        public string? SharedMemory { get; set; }

        /// <summary>Node labels a pod must run on, comma-separated: "disktype=ssd,cloud.google.com/gke-nodepool=gpu".</summary>
        public string? NodeSelector { get; set; }

        /// <summary>Taints a pod tolerates, comma-separated: "dedicated=ml:NoSchedule,spot:NoExecute,reserved".</summary>
        public string? Tolerations { get; set; }

        /// <summary>The Kubernetes service account a pod runs as (<c>serviceAccountName</c>), for example "trainer".</summary>
        public string? ServiceAccount { get; set; }

        /// <summary>Secrets a pod pulls the image with, comma-separated: "ghcr-pull,registry-pull" (a private registry).</summary>
        public string? ImagePullSecrets { get; set; }

        /// <summary>The PriorityClass of a pod (<c>priorityClassName</c>), for example "batch-low" or "inference-high".</summary>
        public string? PriorityClass { get; set; }

        /// <summary>Labels on the workload and its pods, comma-separated: "team=ml,cost-center=42". Keys Hoist, Knative, KubeRay and Kueue set are refused.</summary>
        public string? Labels { get; set; }

        /// <summary>Annotations on the workload and its pods, comma-separated: "example.com/owner=ml-team". Keys Hoist, Knative, KubeRay and Kueue set are refused.</summary>
        public string? Annotations { get; set; }

        /// <summary>The Kueue LocalQueue that admits the workload, for example "team-ml": the label <c>kueue.x-k8s.io/queue-name</c> on it and its pods.</summary>
        public string? Queue { get; set; }

        /// <summary>Spread the replicas (or ranks) over as many nodes as the scheduler can: a preferred topology spread on the node's hostname, which never keeps a pod from scheduling.</summary>
        public bool SpreadAcrossNodes { get; set; }
    }
}

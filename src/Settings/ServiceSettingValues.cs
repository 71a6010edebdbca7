using System;
using System.Collections.Generic;

namespace Hoist.Settings
{
    /// <summary>
    /// A service's settings as the rules see them, however they arrived: from the attributes (the generator fills
    /// it from attribute arguments) or from a descriptor with configuration overrides applied (the runtime, the
    /// manifest tool and the CLI fill it from the effective descriptor). Unset optional values are null.
    /// </summary>
    internal sealed class ServiceSettingValues
    {
        public string? Name { get; set; }

        public int Gpus { get; set; }

        public double Cpus { get; set; }

        public string? Memory { get; set; }

        public string? Disk { get; set; }

        /// <summary>Null when unset (the default base image); set but blank is an error.</summary>
        public string? Image { get; set; }

        public string? InactivityTtl { get; set; }

        public int LaunchTimeout { get; set; } = ServiceDefaults.LaunchTimeoutSeconds;

        public string? Namespace { get; set; }

        /// <summary>The GPU product to schedule on (nvidia.com/gpu.product); null for any.</summary>
        public string? GpuType { get; set; }

        /// <summary>The size of a memory-backed /dev/shm, a Kubernetes quantity; null for the container runtime's default.</summary>
        public string? SharedMemory { get; set; }

        /// <summary>"key=value,key2=value2" node labels a pod must run on.</summary>
        public string? NodeSelector { get; set; }

        /// <summary>"key=value:Effect,key:Effect,key" taints a pod tolerates.</summary>
        public string? Tolerations { get; set; }

        /// <summary>A default deadline for every call; configuration only.</summary>
        public TimeSpan? CallTimeout { get; set; }

        public bool IsDistributed { get; set; }

        public string? DistributionType { get; set; }

        /// <summary>Null when [Distribute] does not set Workers.</summary>
        public int? Workers { get; set; }

        public bool IsAutoscaled { get; set; }

        public double Target { get; set; } = ServiceDefaults.Target;

        public string? Window { get; set; } = ServiceDefaults.Window;

        public string? Metric { get; set; } = ServiceDefaults.Metric;

        public int TargetUtilization { get; set; } = ServiceDefaults.TargetUtilization;

        public int? MinScale { get; set; }

        public int MaxScale { get; set; } = ServiceDefaults.MaxScale;

        public int InitialScale { get; set; } = ServiceDefaults.InitialScale;

        public int? ScaleToZeroGracePeriod { get; set; }

        /// <summary>The [Env] variables, in order.</summary>
        public IReadOnlyList<EnvironmentSetting> Environment { get; set; } = Array.Empty<EnvironmentSetting>();

        /// <summary>The [Secret] references, in order: names and keys, never values.</summary>
        public IReadOnlyList<SecretSetting> Secrets { get; set; } = Array.Empty<SecretSetting>();

        /// <summary>The [Setup] shell steps, in order.</summary>
        public IReadOnlyList<string?> Setup { get; set; } = Array.Empty<string?>();

        /// <summary>The [Volume]s, in order.</summary>
        public IReadOnlyList<VolumeSetting> Volumes { get; set; } = Array.Empty<VolumeSetting>();
    }
}

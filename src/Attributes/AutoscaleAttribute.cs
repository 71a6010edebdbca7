using System;

namespace Hoist
{
    /// <summary>
    /// Scales the service with Knative's KPA semantics: in a cluster through Knative, on the local backend
    /// through Hoist's own autoscaler, with the same numbers. Properties left unset keep Knative's defaults.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class AutoscaleAttribute : Attribute
    {
        /// <summary>Concurrent requests (or requests per second) per replica. Default 100.</summary>
        public double Target { get; set; } = Settings.ServiceDefaults.Target;

        /// <summary>Window the metric is averaged over, as a duration ("60s", "2m"). Default "60s".</summary>
        public string Window { get; set; } = Settings.ServiceDefaults.Window;

        /// <summary>"concurrency" (in-flight requests) or "rps" (requests per second). Default "concurrency".</summary>
        public string Metric { get; set; } = Settings.ServiceDefaults.Metric;

        /// <summary>Percent of <see cref="Target"/> at which scaling begins, 1 to 100. Default 70.</summary>
        public int TargetUtilization { get; set; } = Settings.ServiceDefaults.TargetUtilization;

        /// <summary>Minimum replicas. 0 allows scale to zero; unset means at least 1.</summary>
        public int MinScale { get; set; }

        /// <summary>Maximum replicas. 0 means no limit.</summary>
        public int MaxScale { get; set; }

        /// <summary>Replicas to start with, before autoscaling takes effect. Default 1.</summary>
        public int InitialScale { get; set; } = Settings.ServiceDefaults.InitialScale;

        /// <summary>Seconds idle before scaling to zero. Setting it enables scale to zero and overrides MinScale.</summary>
        public int ScaleToZeroGracePeriod { get; set; }

        /// <summary>
        /// The most calls one replica runs at once (Knative's <c>containerConcurrency</c>); more wait at the replica
        /// until a slot frees, within their deadline. 0, the default, means no limit; at most 1000. With
        /// <see cref="Target"/> left at its default, the target per replica is this limit times <see cref="TargetUtilization"/>.
        /// </summary>
        public int ContainerConcurrency { get; set; }

        /// <summary>
        /// How long a scale-down waits, as a duration ("5m"), 0s to 1h: the autoscaler keeps the most replicas it
        /// wanted over this long (Knative's <c>scale-down-delay</c>). Unset: no wait.
        /// </summary>
        public string? ScaleDownDelay { get; set; }
    }
}

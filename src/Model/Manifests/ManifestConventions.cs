namespace Hoist.Manifests;

/// <summary>
/// The labels on every rendered object. Teardown finds a service's objects by <see cref="Name"/> plus
/// <see cref="ManagedBy"/>; Services and workloads select pods by <see cref="Name"/> plus <see cref="Instance"/>.
/// </summary>
public static class ManifestLabels
{
    public const string Name = "app.kubernetes.io/name";
    public const string Instance = "app.kubernetes.io/instance";
    public const string Component = "app.kubernetes.io/component";
    public const string PartOf = "app.kubernetes.io/part-of";
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    public const string WorkerComponent = "worker";
    public const string ManagedByHoist = "hoist";

    /// <summary>Set by the StatefulSet controller on each pod (Kubernetes 1.28 and later): the pod's ordinal, which is its rank.</summary>
    public const string PodIndex = "apps.kubernetes.io/pod-index";

    /// <summary>Keeps a Knative Service off the public ingress: workers are reached from inside the cluster or by port-forward.</summary>
    public const string KnativeVisibility = "networking.knative.dev/visibility";
}

/// <summary>
/// The annotations the renderer writes. Knative acts on <c>autoscaling.knative.dev/*</c>; the Hoist runtime acts
/// on <c>hoist.dev/*</c> (the Kubernetes backend's InactivityTtl janitor reads <c>hoist.dev/inactivity-ttl</c>). A
/// distributed service's autoscaling settings are recorded under <c>autoscaling.hoist.dev/*</c>, which the in-cluster
/// controller reads back (it runs no user code, so the workload is all it knows of the service).
/// </summary>
public static class ManifestAnnotations
{
    /// <summary>Tear the service down after this long without calls ("30m", "24h"); absent when unset.</summary>
    public const string InactivityTtl = "hoist.dev/inactivity-ttl";

    /// <summary>
    /// The service's LaunchTimeout ("600s"): how long the in-cluster controller's activator holds a call for a
    /// workload it woke before it fails the call with the launch diagnosis.
    /// </summary>
    public const string LaunchTimeout = "hoist.dev/launch-timeout";

    /// <summary>"true" in production mode: no hot code sync.</summary>
    public const string Freeze = "hoist.dev/freeze";

    /// <summary>The <c>[Compute(Image)]</c> base image the app image is built from.</summary>
    public const string BaseImage = "hoist.dev/base-image";

    /// <summary>The <c>[Distribute]</c> type: pytorch, jax, tensorflow, spmd or ray.</summary>
    public const string Distribution = "hoist.dev/distribution";

    /// <summary>
    /// How long Knative waits for a revision to become ready before it fails it, on the revision template: LaunchTimeout,
    /// as Knative's own default (600s) would cut a slow launch short.
    /// </summary>
    public const string KnativeProgressDeadline = "serving.knative.dev/progress-deadline";

    /// <summary>Knative's autoscaling annotations, on the revision template of a Knative Service.</summary>
    public const string KnativeAutoscalingPrefix = "autoscaling.knative.dev/";

    /// <summary>
    /// The same settings under the same names for a distributed service, which Knative cannot scale. They record
    /// the settings on the StatefulSet, where the in-cluster controller reads them to scale the group as a whole.
    /// </summary>
    public const string HoistAutoscalingPrefix = "autoscaling.hoist.dev/";

    // The autoscaling settings, each appended to one of the prefixes above.
    public const string Class = "class";
    public const string Metric = "metric";
    public const string Target = "target";
    public const string TargetUtilization = "target-utilization-percentage";
    public const string Window = "window";
    public const string MinScale = "min-scale";
    public const string MaxScale = "max-scale";
    public const string InitialScale = "initial-scale";
    public const string ScaleToZeroRetention = "scale-to-zero-pod-retention-period";
    public const string ScaleDownDelay = "scale-down-delay";

    /// <summary>
    /// [Autoscale(ContainerConcurrency)] on a distributed service's workload, for the controller's target; a Knative
    /// Service has it in its revision's <c>containerConcurrency</c> instead, which is not an annotation.
    /// </summary>
    public const string ContainerConcurrency = "container-concurrency";

    public const string KnativePodAutoscalerClass = "kpa.autoscaling.knative.dev";

    /// <summary>The class written for a distributed service: the whole group scales together.</summary>
    public const string WorkerGroupClass = "hoist.dev/worker-group";
}

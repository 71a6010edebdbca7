using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Hoist.Settings
{
    /// <summary>
    /// The rules every service setting follows, wherever it enters: the attribute (the generator's diagnostics), a
    /// configuration override at start-up or on a live reload, the build-time manifest tool and the <c>hoist</c> CLI.
    /// One <see cref="Validate"/> chains small checks with named bounds, as Knative's
    /// <c>pkg/apis/autoscaling/annotation_validation.go</c> does, and every entry point calls it. Pure.
    /// </summary>
    internal static class ServiceSettingsRules
    {
        // The diagnostic IDs of the rules, as the generator's catalogue defines them.
        public const string InvalidMetric = "HOIST002";
        public const string InvalidTargetUtilization = "HOIST003";
        public const string InvalidTarget = "HOIST004";
        public const string InvalidWorkers = "HOIST005";
        public const string UnknownDistributionType = "HOIST006";
        public const string ScaleBoundsConflict = "HOIST007";
        public const string NegativeValue = "HOIST008";
        public const string InvalidDuration = "HOIST009";
        public const string InvalidQuantity = "HOIST010";
        public const string InvalidResource = "HOIST011";
        public const string InvalidName = "HOIST012";
        public const string InvalidImage = "HOIST030";
        public const string InvalidVariableName = "HOIST031";
        public const string ReservedVariable = "HOIST032";
        public const string InvalidSecretName = "HOIST033";
        public const string InvalidSecretKey = "HOIST034";
        public const string DuplicateVariable = "HOIST035";
        public const string InvalidSetupStep = "HOIST036";
        public const string InvalidVolumeName = "HOIST037";
        public const string InvalidVolumePath = "HOIST038";
        public const string DuplicateVolume = "HOIST039";
        public const string InvalidGpuType = "HOIST040";
        public const string InvalidNodeSelector = "HOIST041";
        public const string InvalidTolerations = "HOIST042";
        public const string GpuTypeWithoutGpus = "HOIST044";
        public const string InvalidStorageClass = "HOIST045";
        public const string GracePeriodOverridesMinScale = "HOIST046";

        /// <summary>The settings of [Env] and [Secret], as the problems name them.</summary>
        public const string EnvSetting = "Env";
        public const string SecretSetting = "Secret";
        public const string SecretKeySetting = "Secret key";
        public const string SecretVariableSetting = "Secret variable";

        /// <summary>The settings of [Setup] and [Volume], as the problems name them.</summary>
        public const string SetupSetting = "Setup";
        public const string VolumeSetting = "Volume";
        public const string VolumePathSetting = "Volume path";
        public const string VolumeSizeSetting = "Volume size";
        public const string VolumeStorageClassSetting = "Volume storage class";

        /// <summary>Knative's bounds on the autoscaling window (autoscaling.knative.dev/window).</summary>
        public const double MinWindowSeconds = 6;
        public const double MaxWindowSeconds = 3600;

        /// <summary>
        /// Knative's largest scale-to-zero-pod-retention-period, which ScaleToZeroGracePeriod becomes: one hour, the
        /// bound its annotation validation shares with the window (pkg/apis/autoscaling/annotation_validation.go).
        /// </summary>
        public const int MaxScaleToZeroGracePeriodSeconds = 3600;

        /// <summary>Knative's smallest target (autoscaling.knative.dev/target).</summary>
        public const double MinTarget = 0.01;

        public const int MinTargetUtilization = 1;
        public const int MaxTargetUtilization = 100;

        public static readonly IReadOnlyList<string> DistributionTypes = new[] { "pytorch", "jax", "tensorflow", "ray", "spmd" };

        public static readonly IReadOnlyList<string> MetricNames = new[] { Metrics.Concurrency, Metrics.Rps };

        public static readonly string WindowRule =
            $"use {SettingDuration.Grammar} in whole seconds from 6s to 1h, for example \"60s\" or \"2m\"";

        public const string TtlRule = "use a positive duration such as \"30m\" or \"24h\" (units h, m, s, ms)";

        /// <summary>Every problem in <paramref name="values"/>, in a stable order; empty when the settings are valid.</summary>
        public static IReadOnlyList<SettingProblem> Validate(ServiceSettingValues values)
        {
            var problems = new List<SettingProblem>();
            ValidateResources(values, problems);
            ValidateLifecycle(values, problems);
            ValidateNames(values, problems);
            ValidateEnvironment(values, problems);
            ValidatePlacement(values, problems);
            ValidateSetupAndVolumes(values, problems);
            if (values.IsDistributed)
            {
                ValidateDistribution(values, problems);
            }

            if (values.IsAutoscaled)
            {
                ValidateTarget(values, problems);
                ValidateWindow(values, problems);
                ValidateMetric(values, problems);
                ValidateScaleBounds(values, problems);
            }

            return problems;
        }

        /// <summary>
        /// Settings that are allowed but do not do what they say, in a stable order: a warning at compile time, and a
        /// logged warning for a configuration override, with the same ID and words. Empty when there are none.
        /// </summary>
        public static IReadOnlyList<SettingProblem> Warnings(ServiceSettingValues values)
        {
            var warnings = new List<SettingProblem>();
            if (values.IsAutoscaled && values.MinScale > 0 && values.ScaleToZeroGracePeriod is { } grace and >= 0)
            {
                // The seed's rule (EffectiveMinScale): a grace period turns scale to zero on, so the autoscaler, and
                // the min-scale annotation a cluster gets, use 0 whatever MinScale says.
                warnings.Add(new SettingProblem(GracePeriodOverridesMinScale, "MinScale", Int(values.MinScale.Value),
                    $"is ignored because ScaleToZeroGracePeriod {Int(grace)} turns scale to zero on",
                    "the grace period overrides MinScale; remove one (MinScale to scale to zero, ScaleToZeroGracePeriod to keep MinScale replicas)"));
            }

            return warnings;
        }

        /// <summary>
        /// The value per replica the autoscaler aims for, as Knative's ResolveMetricTarget computes it
        /// (pkg/reconciler/autoscaling/resources/target.go): max(0.01, target × utilization), the utilization a
        /// fraction first, so that the local loop and a cluster round the same way (7 × 0.7 is 4.8999999999999995,
        /// and 49 in flight asks for 11 replicas in both).
        /// </summary>
        public static double TargetPerReplica(double target, int targetUtilization) =>
            Math.Max(MinTarget, target * (targetUtilization / 100.0));

        /// <summary>
        /// The minimum replicas the autoscaler keeps: a grace period turns scale to zero on and overrides MinScale,
        /// and an unset MinScale means one (README.md, "A tour of the attributes"), which Knative only does when told, its own default being zero.
        /// </summary>
        public static int EffectiveMinScale(int? minScale, int? scaleToZeroGracePeriod) =>
            scaleToZeroGracePeriod is not null ? 0 : minScale ?? 1;

        /// <summary>A duration setting in seconds, or null when it is unset or not a duration.</summary>
        public static double? DurationSeconds(string? text) => SettingDuration.TryParse(text, out var seconds) ? seconds : null;

        private static void ValidateResources(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.Gpus < 0)
            {
                problems.Add(new SettingProblem(InvalidResource, "Gpus", Int(values.Gpus), "is not allowed", "use 0 or more GPUs per worker"));
            }

            if (!(values.Cpus >= 0) || double.IsInfinity(values.Cpus))
            {
                problems.Add(new SettingProblem(InvalidResource, "Cpus", Double(values.Cpus), "is not allowed", "use 0 or more CPU cores per worker (fractions such as 0.5 are allowed)"));
            }

            foreach (var (setting, value) in new[] { ("Memory", values.Memory), ("Disk", values.Disk) })
            {
                if (value is not null && !KubernetesValues.IsQuantity(value))
                {
                    problems.Add(new SettingProblem(InvalidQuantity, setting, String(value), "is not a Kubernetes quantity", KubernetesValues.QuantityRule));
                }
            }

            // Blank used to mean "the default" without a word; a typo'd override must not quietly pick another image.
            // Anything else the kubelet cannot parse would only fail after a deploy, as InvalidImageName.
            if (values.Image is { } image && !ImageReference.IsValid(image))
            {
                problems.Add(new SettingProblem(InvalidImage, "Image", String(image), "is not an image reference",
                    ImageReference.Rule + ", or leave Image unset for " + ServiceDefaults.Image));
            }
        }

        private static void ValidateLifecycle(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.InactivityTtl is { } ttl && !(DurationSeconds(ttl) > 0))
            {
                problems.Add(new SettingProblem(InvalidDuration, "InactivityTtl", String(ttl), "is not allowed", TtlRule));
            }

            if (values.LaunchTimeout <= 0)
            {
                problems.Add(new SettingProblem(InvalidResource, "LaunchTimeout", Int(values.LaunchTimeout), "is not allowed", "use a number of seconds greater than 0"));
            }

            if (values.CallTimeout is { } callTimeout && callTimeout <= TimeSpan.Zero)
            {
                problems.Add(new SettingProblem(InvalidDuration, "CallTimeout", callTimeout.ToString("c", CultureInfo.InvariantCulture), "is not allowed",
                    "use a positive time span such as \"00:00:30\", or leave it unset for no default deadline"));
            }
        }

        private static void ValidateNames(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.Name is { } name && !KubernetesValues.IsServiceName(name))
            {
                problems.Add(new SettingProblem(InvalidName, "Name", String(name), "is not a valid DNS-1035 label", KubernetesValues.ServiceNameRule));
            }

            if (values.Namespace is { } ns && !KubernetesValues.IsDnsLabel(ns))
            {
                problems.Add(new SettingProblem(InvalidName, "Namespace", String(ns), "is not a valid DNS-1123 label", KubernetesValues.DnsLabelRule));
            }
        }

        // [Env] and [Secret]: POSIX names that do not replace Hoist's own variables, each set once; secrets that
        // Kubernetes can hold. A value is never part of a problem: an [Env] value is not checked, a secret's is never seen.
        private static void ValidateEnvironment(ServiceSettingValues values, List<SettingProblem> problems)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < values.Environment.Count; i++)
            {
                ValidateVariable(EnvSetting, values.Environment[i].Name, i, seen, problems);
            }

            for (var i = 0; i < values.Secrets.Count; i++)
            {
                var secret = values.Secrets[i];
                if (!WorkerVariables.IsSecretName(secret.Name))
                {
                    problems.Add(new SettingProblem(InvalidSecretName, SecretSetting, String(secret.Name), "is not a valid Kubernetes Secret name", WorkerVariables.SecretNameRule, i));
                }

                if (secret.Key is null && secret.Variable is null)
                {
                    continue;
                }

                if (!WorkerVariables.IsSecretKey(secret.Key))
                {
                    problems.Add(new SettingProblem(InvalidSecretKey, SecretKeySetting, String(secret.Key), "is not a valid Secret key", WorkerVariables.SecretKeyRule, i));
                }

                ValidateVariable(SecretVariableSetting, secret.Variable, i, seen, problems);
            }
        }

        private static void ValidateVariable(string setting, string? name, int index, HashSet<string> seen, List<SettingProblem> problems)
        {
            if (name is null || !WorkerVariables.IsVariableName(name))
            {
                problems.Add(new SettingProblem(InvalidVariableName, setting, String(name), "is not an environment variable name", WorkerVariables.VariableNameRule, index));
            }
            else if (WorkerVariables.IsReserved(name))
            {
                problems.Add(new SettingProblem(ReservedVariable, setting, String(name), "is set by Hoist itself",
                    "choose another name; Hoist sets HOIST_* (and reads Hoist__*) and " + string.Join(", ", WorkerVariables.DistributedVariables), index));
            }
            else if (!seen.Add(name))
            {
                problems.Add(new SettingProblem(DuplicateVariable, setting, String(name), "is set twice",
                    "set each variable once, by one [Env] or one [Secret]", index));
            }
        }

        // [Compute(GpuType, SharedMemory, NodeSelector, Tolerations)]: what the renderer turns into a node selector, a
        // memory-backed /dev/shm and tolerations, in the syntax it parses (WorkerPlacement).
        private static void ValidatePlacement(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.GpuType is { } gpuType)
            {
                if (gpuType.Length == 0 || !WorkerPlacement.IsLabelValue(gpuType))
                {
                    problems.Add(new SettingProblem(InvalidGpuType, "GpuType", String(gpuType), "is not a GPU product label value", WorkerPlacement.GpuTypeRule));
                }
                else if (values.Gpus <= 0)
                {
                    problems.Add(new SettingProblem(GpuTypeWithoutGpus, "GpuType", String(gpuType), "asks for a GPU type without any GPUs",
                        "also set Gpus to 1 or more, or leave GpuType unset"));
                }
            }

            if (values.SharedMemory is { } shm && (!KubernetesValues.IsQuantity(shm) || shm.TrimStart('+').Trim('0', '.').Length == 0))
            {
                problems.Add(new SettingProblem(InvalidQuantity, "SharedMemory", String(shm), "is not a Kubernetes quantity", KubernetesValues.QuantityRule));
            }

            if (values.NodeSelector is { } selector && WorkerPlacement.ParseNodeSelector(selector) is null)
            {
                problems.Add(new SettingProblem(InvalidNodeSelector, "NodeSelector", String(selector), "is not a node selector", WorkerPlacement.NodeSelectorRule));
            }

            if (values.Tolerations is { } tolerations && WorkerPlacement.ParseTolerations(tolerations) is null)
            {
                problems.Add(new SettingProblem(InvalidTolerations, "Tolerations", String(tolerations), "is not a list of tolerations", WorkerPlacement.TolerationsRule));
            }
        }

        // [Setup] steps are shell commands (the shell judges them); [Volume]s are claims with a name, a mount path and a size.
        private static void ValidateSetupAndVolumes(ServiceSettingValues values, List<SettingProblem> problems)
        {
            for (var i = 0; i < values.Setup.Count; i++)
            {
                if (!WorkerVolumes.IsSetupStep(values.Setup[i]))
                {
                    problems.Add(new SettingProblem(InvalidSetupStep, SetupSetting, String(values.Setup[i]), "is not a setup step", WorkerVolumes.SetupRule, i, $"Setup:{Int(i)}"));
                }
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var paths = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < values.Volumes.Count; i++)
            {
                var volume = values.Volumes[i];
                if (!WorkerVolumes.IsName(volume.Name))
                {
                    problems.Add(new SettingProblem(InvalidVolumeName, VolumeSetting, String(volume.Name), "is not a valid volume name", WorkerVolumes.NameRule, i, $"Volumes:{volume.Name}"));
                }
                else if (!names.Add(volume.Name!))
                {
                    problems.Add(new SettingProblem(DuplicateVolume, VolumeSetting, String(volume.Name), "is declared twice", "declare each volume once, with one [Volume]", i, $"Volumes:{volume.Name}"));
                }

                if (!WorkerVolumes.IsMountPath(volume.Path))
                {
                    problems.Add(new SettingProblem(InvalidVolumePath, VolumePathSetting, String(volume.Path), "is not a mount path", WorkerVolumes.PathRule, i, $"Volumes:{volume.Name}:Path"));
                }
                else if (!paths.Add(volume.Path!.TrimEnd('/')))
                {
                    problems.Add(new SettingProblem(DuplicateVolume, VolumePathSetting, String(volume.Path), "is mounted twice", "mount each volume at a path of its own", i, $"Volumes:{volume.Name}:Path"));
                }

                if (volume.Size is { } size && !KubernetesValues.IsQuantity(size))
                {
                    problems.Add(new SettingProblem(InvalidQuantity, VolumeSizeSetting, String(size), "is not a Kubernetes quantity", KubernetesValues.QuantityRule, i, $"Volumes:{volume.Name}:Size"));
                }

                if (volume.StorageClass is { } storageClass && !WorkerVariables.IsSecretName(storageClass))
                {
                    problems.Add(new SettingProblem(InvalidStorageClass, VolumeStorageClassSetting, String(storageClass), "is not a StorageClass name", WorkerVolumes.StorageClassRule, i, $"Volumes:{volume.Name}:StorageClass"));
                }
            }
        }

        private static void ValidateDistribution(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.DistributionType is not { } type || !DistributionTypes.Contains(type))
            {
                problems.Add(new SettingProblem(UnknownDistributionType, "Distribution type", String(values.DistributionType), "is unknown",
                    "use " + OneOf(DistributionTypes)));
            }

            // KubeRay runs `ray start` in the service's own image, and the default .NET image has no Ray.
            if (values.DistributionType == "ray" && (values.Image is null || values.Image == ServiceDefaults.Image))
            {
                problems.Add(new SettingProblem(InvalidImage, "Image", values.Image is null ? null : String(values.Image), "cannot start Ray",
                    "KubeRay runs `ray start` in the service's own image, so set Image to one with Ray installed, such as \"rayproject/ray:2.9.0\""));
            }

            if (values.Workers is not { } workers)
            {
                problems.Add(new SettingProblem(InvalidWorkers, "Workers", null, "is not set", "set Workers to the number of ranks, 1 or more"));
            }
            else if (workers < 1)
            {
                problems.Add(new SettingProblem(InvalidWorkers, "Workers", Int(workers), "is not allowed", "set Workers to the number of ranks, 1 or more"));
            }
        }

        private static void ValidateTarget(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (!(values.Target >= MinTarget) || double.IsInfinity(values.Target))
            {
                problems.Add(new SettingProblem(InvalidTarget, "Target", Double(values.Target), "is not allowed",
                    "use a number greater than 0 (Knative's minimum is 0.01)"));
            }

            if (values.TargetUtilization is < MinTargetUtilization or > MaxTargetUtilization)
            {
                problems.Add(new SettingProblem(InvalidTargetUtilization, "TargetUtilization", Int(values.TargetUtilization), "is out of range",
                    "use a percentage from 1 to 100"));
            }
        }

        private static void ValidateWindow(ServiceSettingValues values, List<SettingProblem> problems)
        {
            var seconds = DurationSeconds(values.Window);
            if (!(seconds >= MinWindowSeconds && seconds <= MaxWindowSeconds && Math.Abs(seconds.Value - Math.Round(seconds.Value)) < 1e-9))
            {
                problems.Add(new SettingProblem(InvalidDuration, "Window", String(values.Window), "is not allowed", WindowRule));
            }
        }

        private static void ValidateMetric(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.Metric is not { } metric || !MetricNames.Contains(metric))
            {
                problems.Add(new SettingProblem(InvalidMetric, "Metric", String(values.Metric), "is not supported",
                    "use \"concurrency\" (in-flight requests) or \"rps\" (requests per second)"));
            }
        }

        private static void ValidateScaleBounds(ServiceSettingValues values, List<SettingProblem> problems)
        {
            var anyNegative = false;
            foreach (var (setting, value) in new[]
                     {
                         ("MinScale", values.MinScale), ("MaxScale", (int?)values.MaxScale), ("InitialScale", (int?)values.InitialScale),
                         ("ScaleToZeroGracePeriod", values.ScaleToZeroGracePeriod),
                     })
            {
                if (value < 0)
                {
                    problems.Add(new SettingProblem(NegativeValue, setting, Int(value.Value), "is negative", "use 0 or more"));
                    anyNegative = true;
                }
            }

            if (anyNegative)
            {
                return;
            }

            if (values.ScaleToZeroGracePeriod > MaxScaleToZeroGracePeriodSeconds)
            {
                problems.Add(new SettingProblem(ScaleBoundsConflict, "ScaleToZeroGracePeriod", Int(values.ScaleToZeroGracePeriod.Value),
                    $"is above Knative's limit of {Int(MaxScaleToZeroGracePeriodSeconds)} s (1 h) for scale-to-zero-pod-retention-period",
                    $"use at most {Int(MaxScaleToZeroGracePeriodSeconds)} seconds; an InactivityTtl tears an idle service down after longer"));
            }

            var max = values.MaxScale;
            if (max > 0 && values.MinScale > max)
            {
                problems.Add(new SettingProblem(ScaleBoundsConflict, "MinScale", Int(values.MinScale!.Value), $"is above MaxScale {Int(max)}",
                    "MinScale must be at most MaxScale (MaxScale 0 means no limit)"));
            }

            if (max > 0 && values.InitialScale > max)
            {
                problems.Add(new SettingProblem(ScaleBoundsConflict, "InitialScale", Int(values.InitialScale), $"is above MaxScale {Int(max)}",
                    "InitialScale must be at most MaxScale (MaxScale 0 means no limit)"));
            }

            if (values.InitialScale == 0 && EffectiveMinScale(values.MinScale, values.ScaleToZeroGracePeriod) != 0)
            {
                problems.Add(new SettingProblem(ScaleBoundsConflict, "InitialScale", "0", "starts the service scaled to zero, which needs scale to zero enabled",
                    "also set MinScale = 0 or ScaleToZeroGracePeriod, or use an InitialScale of 1 or more"));
            }
        }

        private static string OneOf(IReadOnlyList<string> values) =>
            string.Join(", ", values.Take(values.Count - 1).Select(String)) + " or " + String(values[values.Count - 1]);

        /// <summary>A string as C# writes it, so a message shows exactly what was written ("\"abc\"", null).</summary>
        public static string String(string? value)
        {
            if (value is null)
            {
                return "null";
            }

            var builder = new System.Text.StringBuilder(value.Length + 2).Append('"');
            foreach (var c in value)
            {
                builder.Append(c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => c.ToString(),
                });
            }

            return builder.Append('"').ToString();
        }

        public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}

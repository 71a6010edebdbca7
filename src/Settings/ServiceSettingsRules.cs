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
    /// <c>pkg/apis/autoscaling/annotation_validation.go</c> does, and every entry point calls it: first each catalogue
    /// row's own rule (<see cref="SettingsCatalogue"/>), then the rules between settings and lists. Pure.
    /// </summary>
    internal static class ServiceSettingsRules
    {
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

        /// <summary>
        /// Knative's bound on containerConcurrency: config-defaults' container-concurrency-max-limit, 1000 unless a
        /// cluster changes it (pkg/apis/config/defaults.go), which the admission check reads.
        /// </summary>
        public const int MaxContainerConcurrency = 1000;

        public const int MinTargetUtilization = 1;
        public const int MaxTargetUtilization = 100;

        public static readonly IReadOnlyList<string> DistributionTypes = new[] { "pytorch", "jax", "tensorflow", "ray", "spmd" };

        public static readonly IReadOnlyList<string> MetricNames = new[] { Metrics.Concurrency, Metrics.Rps };

        public static readonly string WindowRule =
            $"use {SettingDuration.Grammar} in whole seconds from 6s to 1h, for example \"60s\" or \"2m\"";

        public static readonly string ScaleDownDelayRule =
            $"use {SettingDuration.Grammar} in whole seconds from 0s to 1h, for example \"5m\"";

        public const string TtlRule = "use a positive duration such as \"30m\" or \"24h\" (units h, m, s, ms)";

        /// <summary>Every problem in <paramref name="values"/>, in a stable order; empty when the settings are valid.</summary>
        public static IReadOnlyList<SettingProblem> Validate(ServiceSettingValues values)
        {
            var problems = new List<SettingProblem>();
            Check(SettingScope.Compute, values, problems);
            ValidateLifecycle(values, problems);
            ValidateNames(values, problems);
            ValidateEnvironment(values, problems);
            ValidateSetupAndVolumes(values, problems);
            if (values.IsDistributed)
            {
                ValidateDistribution(values, problems);
                Check(SettingScope.Distribute, values, problems);
            }

            if (values.IsAutoscaled)
            {
                Check(SettingScope.Autoscale, values, problems);
                ValidateScaleBounds(values, problems);
            }

            return problems;
        }

        // Each row's own rule, in catalogue order.
        private static void Check(SettingScope scope, ServiceSettingValues values, List<SettingProblem> problems)
        {
            foreach (var row in SettingsCatalogue.In(scope))
            {
                if (row.Check?.Invoke(row, values) is { } problem)
                {
                    problems.Add(problem);
                }
            }
        }

        /// <summary>The rule of Target: Knative's smallest target and up, finite.</summary>
        public static SettingProblem? CheckTarget(SettingRow row, ServiceSettingValues values) =>
            !(values.Double(row) >= MinTarget) || double.IsInfinity(values.Double(row))
                ? row.Problem(values, "is not allowed", "use a number greater than 0 (Knative's minimum is 0.01)")
                : null;

        /// <summary>The rule of TargetUtilization: a percentage.</summary>
        public static SettingProblem? CheckTargetUtilization(SettingRow row, ServiceSettingValues values) =>
            values.Int(row) is < MinTargetUtilization or > MaxTargetUtilization ? row.Problem(values, "is out of range", "use a percentage from 1 to 100") : null;

        /// <summary>The rule of Window: whole seconds within Knative's bounds.</summary>
        public static SettingProblem? CheckWindow(SettingRow row, ServiceSettingValues values)
        {
            var seconds = DurationSeconds(values.Text(row));
            return seconds >= MinWindowSeconds && seconds <= MaxWindowSeconds && Math.Abs(seconds.Value - Math.Round(seconds.Value)) < 1e-9
                ? null
                : row.Problem(values, "is not allowed", WindowRule);
        }

        /// <summary>
        /// The rule of ScaleDownDelay, Knative's validateScaleDownDelay: whole seconds from zero to the longest window
        /// (pkg/apis/autoscaling/annotation_validation.go).
        /// </summary>
        public static SettingProblem? CheckScaleDownDelay(SettingRow row, ServiceSettingValues values)
        {
            if (values.Text(row) is not { } text)
            {
                return null;
            }

            var seconds = DurationSeconds(text);
            return seconds >= 0 && seconds <= MaxWindowSeconds && Math.Abs(seconds.Value - Math.Round(seconds.Value)) < 1e-9
                ? null
                : row.Problem(values, "is not allowed", ScaleDownDelayRule);
        }

        /// <summary>The rule of Metric: one Knative's KPA knows.</summary>
        public static SettingProblem? CheckMetric(SettingRow row, ServiceSettingValues values) =>
            values.Text(row) is { } metric && MetricNames.Contains(metric)
                ? null
                : row.Problem(values, "is not supported", "use \"concurrency\" (in-flight requests) or \"rps\" (requests per second)");

        /// <summary>The rule of the replica counts: none is negative (their bounds against each other are ValidateScaleBounds').</summary>
        public static SettingProblem? CheckNotNegative(SettingRow row, ServiceSettingValues values) =>
            (values[row] as int?) < 0 ? row.Problem(values, "is negative", "use 0 or more") : null;

        /// <summary>
        /// Settings that are allowed but do not do what they say, in a stable order: a warning at compile time, and a
        /// logged warning for a configuration override, with the same ID and words. Empty when there are none.
        /// </summary>
        public static IReadOnlyList<SettingProblem> Warnings(ServiceSettingValues values)
        {
            var warnings = new List<SettingProblem>();
            if (values.IsAutoscaled && values.OptionalInt(SettingsCatalogue.MinScale) > 0 && values.OptionalInt(SettingsCatalogue.ScaleToZeroGracePeriod) is { } grace and >= 0)
            {
                // The seed's rule (EffectiveMinScale): a grace period turns scale to zero on, so the autoscaler, and
                // the min-scale annotation a cluster gets, use 0 whatever MinScale says.
                warnings.Add(new SettingProblem(SettingDiagnostics.GracePeriodOverridesMinScale, "MinScale", Int(values.OptionalInt(SettingsCatalogue.MinScale)!.Value),
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
        /// The same with a ContainerConcurrency, as ResolveMetricTarget resolves it: on the concurrency metric a hard
        /// limit of N calls per replica caps the target at N (min(target, N)), and a Target left at its default
        /// (<see cref="TargetIsDerived"/>) is N itself, which Knative derives when the revision has no target
        /// annotation. Requests per second are not calls at once: the limit does not change their target.
        /// </summary>
        public static double TargetPerReplica(double target, int targetUtilization, string metric, int containerConcurrency) =>
            TargetPerReplica(
                containerConcurrency > 0 && metric == Metrics.Concurrency
                    ? TargetIsDerived(target, metric, containerConcurrency) ? containerConcurrency : Math.Min(target, containerConcurrency)
                    : target,
                targetUtilization);

        /// <summary>
        /// True when Knative derives the target from containerConcurrency: a concurrency service with a limit and its
        /// Target at the default (100, which is Knative's container-concurrency-target-default, so setting it to 100
        /// says nothing Knative would not assume). The renderer leaves the target annotation out then.
        /// </summary>
        public static bool TargetIsDerived(double target, string metric, int containerConcurrency) =>
            containerConcurrency > 0 && metric == Metrics.Concurrency && target.Equals(ServiceDefaults.Target);

        /// <summary>
        /// The minimum replicas the autoscaler keeps: a grace period turns scale to zero on and overrides MinScale,
        /// and an unset MinScale means one (README.md, "A tour of the attributes"), which Knative only does when told, its own default being zero.
        /// </summary>
        public static int EffectiveMinScale(int? minScale, int? scaleToZeroGracePeriod) =>
            scaleToZeroGracePeriod is not null ? 0 : minScale ?? 1;

        /// <summary>A duration setting in seconds, or null when it is unset or not a duration.</summary>
        public static double? DurationSeconds(string? text) => SettingDuration.TryParse(text, out var seconds) ? seconds : null;

        private static void ValidateLifecycle(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.CallTimeout is { } callTimeout && callTimeout <= TimeSpan.Zero)
            {
                problems.Add(new SettingProblem(SettingDiagnostics.InvalidDuration, "CallTimeout", callTimeout.ToString("c", CultureInfo.InvariantCulture), "is not allowed",
                    "use a positive time span such as \"00:00:30\", or leave it unset for no default deadline"));
            }
        }

        private static void ValidateNames(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.Name is { } name && !KubernetesValues.IsServiceName(name))
            {
                problems.Add(new SettingProblem(SettingDiagnostics.InvalidName, "Name", String(name), "is not a valid DNS-1035 label", KubernetesValues.ServiceNameRule));
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
                    problems.Add(new SettingProblem(SettingDiagnostics.InvalidSecretName, SecretSetting, String(secret.Name), "is not a valid Kubernetes Secret name", WorkerVariables.SecretNameRule, i));
                }

                if (secret.Key is null && secret.Variable is null)
                {
                    continue;
                }

                if (!WorkerVariables.IsSecretKey(secret.Key))
                {
                    problems.Add(new SettingProblem(SettingDiagnostics.InvalidSecretKey, SecretKeySetting, String(secret.Key), "is not a valid Secret key", WorkerVariables.SecretKeyRule, i));
                }

                ValidateVariable(SecretVariableSetting, secret.Variable, i, seen, problems);
            }
        }

        private static void ValidateVariable(string setting, string? name, int index, HashSet<string> seen, List<SettingProblem> problems)
        {
            if (name is null || !WorkerVariables.IsVariableName(name))
            {
                problems.Add(new SettingProblem(SettingDiagnostics.InvalidVariableName, setting, String(name), "is not an environment variable name", WorkerVariables.VariableNameRule, index));
            }
            else if (WorkerVariables.IsReserved(name))
            {
                problems.Add(new SettingProblem(SettingDiagnostics.ReservedVariable, setting, String(name), "is set by Hoist itself",
                    "choose another name; Hoist sets HOIST_* (and reads Hoist__*) and " + string.Join(", ", WorkerVariables.DistributedVariables), index));
            }
            else if (!seen.Add(name))
            {
                problems.Add(new SettingProblem(SettingDiagnostics.DuplicateVariable, setting, String(name), "is set twice",
                    "set each variable once, by one [Env] or one [Secret]", index));
            }
        }

        // [Setup] steps are shell commands (the shell judges them); [Volume]s are claims with a name, a mount path and a size.
        private static void ValidateSetupAndVolumes(ServiceSettingValues values, List<SettingProblem> problems)
        {
            for (var i = 0; i < values.Setup.Count; i++)
            {
                if (!WorkerVolumes.IsSetupStep(values.Setup[i]))
                {
                    problems.Add(new SettingProblem(SettingDiagnostics.InvalidSetupStep, SetupSetting, String(values.Setup[i]), "is not a setup step", WorkerVolumes.SetupRule, i, $"Setup:{Int(i)}"));
                }
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var paths = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < values.Volumes.Count; i++)
            {
                var volume = values.Volumes[i];
                if (!WorkerVolumes.IsName(volume.Name))
                {
                    problems.Add(new SettingProblem(SettingDiagnostics.InvalidVolumeName, VolumeSetting, String(volume.Name), "is not a valid volume name", WorkerVolumes.NameRule, i, $"Volumes:{volume.Name}"));
                }
                else if (!names.Add(volume.Name!))
                {
                    problems.Add(new SettingProblem(SettingDiagnostics.DuplicateVolume, VolumeSetting, String(volume.Name), "is declared twice", "declare each volume once, with one [Volume]", i, $"Volumes:{volume.Name}"));
                }

                if (!WorkerVolumes.IsMountPath(volume.Path))
                {
                    problems.Add(new SettingProblem(SettingDiagnostics.InvalidVolumePath, VolumePathSetting, String(volume.Path), "is not a mount path", WorkerVolumes.PathRule, i, $"Volumes:{volume.Name}:Path"));
                }
                else if (!paths.Add(volume.Path!.TrimEnd('/')))
                {
                    problems.Add(new SettingProblem(SettingDiagnostics.DuplicateVolume, VolumePathSetting, String(volume.Path), "is mounted twice", "mount each volume at a path of its own", i, $"Volumes:{volume.Name}:Path"));
                }

                if (volume.Size is { } size && !KubernetesValues.IsQuantity(size))
                {
                    problems.Add(new SettingProblem(SettingDiagnostics.InvalidQuantity, VolumeSizeSetting, String(size), "is not a Kubernetes quantity", KubernetesValues.QuantityRule, i, $"Volumes:{volume.Name}:Size"));
                }

                if (volume.StorageClass is { } storageClass && !WorkerVariables.IsSecretName(storageClass))
                {
                    problems.Add(new SettingProblem(SettingDiagnostics.InvalidStorageClass, VolumeStorageClassSetting, String(storageClass), "is not a StorageClass name", WorkerVolumes.StorageClassRule, i, $"Volumes:{volume.Name}:StorageClass"));
                }
            }
        }

        private static void ValidateDistribution(ServiceSettingValues values, List<SettingProblem> problems)
        {
            if (values.DistributionType is not { } type || !DistributionTypes.Contains(type))
            {
                problems.Add(new SettingProblem(SettingDiagnostics.UnknownDistributionType, "Distribution type", String(values.DistributionType), "is unknown",
                    "use " + OneOf(DistributionTypes)));
            }

            // KubeRay runs `ray start` in the service's own image, and the default .NET image has no Ray.
            var image = SettingsCatalogue.Image;
            if (values.DistributionType == "ray" && (values.Text(image) is null || values.Text(image) == ServiceDefaults.Image))
            {
                problems.Add(new SettingProblem(SettingDiagnostics.InvalidImage, image.Key, values.IsSet(image) ? Literal(values[image]) : null, "cannot start Ray",
                    "KubeRay runs `ray start` in the service's own image, so set Image to one with Ray installed, such as \"rayproject/ray:2.9.0\""));
            }

            // Hoist runs one RayCluster per service and scales nothing in it; an [Autoscale] there would be read by nothing.
            if (values.DistributionType == "ray" && values.IsAutoscaled)
            {
                problems.Add(new SettingProblem(SettingDiagnostics.AutoscaleOnRay, "[Autoscale]", null, "does not apply to a Ray group",
                    "remove it: Hoist runs one RayCluster per service and scales none of it, and Ray's own autoscaler (KubeRay's enableInTreeAutoscaling) scales a Ray cluster's workers"));
            }

            if (values.OptionalInt(SettingsCatalogue.Workers) is not { } workers)
            {
                problems.Add(new SettingProblem(SettingDiagnostics.InvalidWorkers, "Workers", null, "is not set", "set Workers to the number of ranks, 1 or more"));
            }
            else if (workers < 1)
            {
                problems.Add(new SettingProblem(SettingDiagnostics.InvalidWorkers, "Workers", Int(workers), "is not allowed", "set Workers to the number of ranks, 1 or more"));
            }
        }

        private static void ValidateScaleBounds(ServiceSettingValues values, List<SettingProblem> problems)
        {
            // A negative count is its row's problem (CheckNotNegative); bounds between counts only mean something without one.
            if (SettingsCatalogue.In(SettingScope.Autoscale).Any(row => row.Check == CheckNotNegative && CheckNotNegative(row, values) is not null))
            {
                return;
            }

            if (values.OptionalInt(SettingsCatalogue.ScaleToZeroGracePeriod) is { } grace && grace > MaxScaleToZeroGracePeriodSeconds)
            {
                problems.Add(new SettingProblem(SettingDiagnostics.ScaleBoundsConflict, "ScaleToZeroGracePeriod", Int(grace),
                    $"is above Knative's limit of {Int(MaxScaleToZeroGracePeriodSeconds)} s (1 h) for scale-to-zero-pod-retention-period",
                    $"use at most {Int(MaxScaleToZeroGracePeriodSeconds)} seconds; an InactivityTtl tears an idle service down after longer"));
            }

            var max = values.Int(SettingsCatalogue.MaxScale);
            if (max > 0 && values.OptionalInt(SettingsCatalogue.MinScale) > max)
            {
                problems.Add(new SettingProblem(SettingDiagnostics.ScaleBoundsConflict, "MinScale", Int(values.OptionalInt(SettingsCatalogue.MinScale)!.Value), $"is above MaxScale {Int(max)}",
                    "MinScale must be at most MaxScale (MaxScale 0 means no limit)"));
            }

            if (max > 0 && values.Int(SettingsCatalogue.InitialScale) > max)
            {
                problems.Add(new SettingProblem(SettingDiagnostics.ScaleBoundsConflict, "InitialScale", Int(values.Int(SettingsCatalogue.InitialScale)), $"is above MaxScale {Int(max)}",
                    "InitialScale must be at most MaxScale (MaxScale 0 means no limit)"));
            }

            if (values.Int(SettingsCatalogue.InitialScale) == 0 && EffectiveMinScale(values.OptionalInt(SettingsCatalogue.MinScale), values.OptionalInt(SettingsCatalogue.ScaleToZeroGracePeriod)) != 0)
            {
                problems.Add(new SettingProblem(SettingDiagnostics.ScaleBoundsConflict, "InitialScale", "0", "starts the service scaled to zero, which needs scale to zero enabled",
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

        /// <summary>A setting's value as C# writes it: a string quoted, a number invariant, a bool lower-case.</summary>
        public static string? Literal(object? value) => value switch
        {
            null => "null",
            string text => String(text),
            int number => Int(number),
            double number => Double(number),
            bool flag => flag ? "true" : "false",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };

        public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}

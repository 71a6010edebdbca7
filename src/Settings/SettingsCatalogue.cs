using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Hoist.Settings
{
    /// <summary>Which attribute a setting belongs to, which is also the object of the descriptor's JSON that holds it.</summary>
    internal enum SettingScope
    {
        Compute,
        Distribute,
        Autoscale,
    }

    /// <summary>The type of a setting's value, as the attribute, the descriptor JSON and an override all write it.</summary>
    internal enum SettingKind
    {
        /// <summary>An int with a default.</summary>
        Int,

        /// <summary>An int that may be unset (null), which means something else than any number.</summary>
        OptionalInt,

        /// <summary>An int the attribute must set: null in the rules when unset, 0 in the descriptor.</summary>
        RequiredInt,

        Double,
        Bool,
        Text,
    }

    /// <summary>
    /// One row of the settings catalogue: everything Hoist knows about one attribute setting, which the generator's
    /// parser, the descriptor JSON it writes, the runtime's override binding, the rules and docs/attributes.md all
    /// read, so a new setting is one row here plus the code that uses its value.
    /// </summary>
    internal sealed class SettingRow
    {
        public SettingRow(
            string key,
            SettingScope scope,
            SettingKind kind,
            object? defaultValue,
            string? diagnosticId,
            string doc,
            Func<SettingRow, ServiceSettingValues, SettingProblem?>? check = null)
        {
            Key = key;
            Scope = scope;
            Kind = kind;
            Default = defaultValue;
            DiagnosticId = diagnosticId;
            Doc = doc;
            Check = check;
        }

        /// <summary>The attribute property: "GpuType".</summary>
        public string Key { get; }

        public SettingScope Scope { get; }

        public SettingKind Kind { get; }

        /// <summary>The value when the attribute does not set it (an int, double, bool, string or null, by <see cref="Kind"/>).</summary>
        public object? Default { get; }

        /// <summary>The ID of the rule that judges this setting on its own; null when only rules between settings do (<see cref="ServiceSettingsRules"/>).</summary>
        public string? DiagnosticId { get; }

        /// <summary>One line for docs/attributes.md.</summary>
        public string Doc { get; }

        /// <summary>The rule of this setting alone (it may read other settings to judge this one), or null.</summary>
        public Func<SettingRow, ServiceSettingValues, SettingProblem?>? Check { get; }

        /// <summary>The key under <c>Hoist:Services:&lt;name&gt;</c> that overrides it: the property's name, as every setting has.</summary>
        public string OverrideKey => Key;

        /// <summary>The key in the descriptor JSON's scope object: camelCase of <see cref="Key"/>.</summary>
        public string Field => char.ToLowerInvariant(Key[0]) + Key.Substring(1);

        /// <summary>The descriptor JSON object that holds it.</summary>
        public string ScopeField => Scope switch
        {
            SettingScope.Compute => "compute",
            SettingScope.Distribute => "distribution",
            _ => "autoscale",
        };

        /// <summary>The problem with <paramref name="values"/>'s value of this setting, with this row's ID and words.</summary>
        public SettingProblem Problem(ServiceSettingValues values, string problem, string allowed, string? id = null) =>
            new SettingProblem(id ?? DiagnosticId!, Key, ServiceSettingsRules.Literal(values[this]), problem, allowed);

        public override string ToString() => Key;
    }

    /// <summary>
    /// The settings catalogue: every [Compute], [Distribute] and [Autoscale] setting, one row each, in the order the
    /// descriptor JSON writes them. Compiled into the generator, the runtime and (through <see cref="ServiceDefaults"/>)
    /// the attributes. The rules that judge one setting live in its row; the rules between settings in
    /// <see cref="ServiceSettingsRules"/>.
    /// </summary>
    internal static class SettingsCatalogue
    {
        /// <summary>The label Kueue admits a workload by (kueue.x-k8s.io/queue-name), which [Compute(Queue)] sets.</summary>
        public const string KueueQueueLabel = "kueue.x-k8s.io/queue-name";

        public static readonly SettingRow Gpus = new("Gpus", SettingScope.Compute, SettingKind.Int, 0, SettingDiagnostics.InvalidResource,
            "GPUs per worker: an `nvidia.com/gpu` limit with a GPU toleration",
            static (row, v) => v.Int(row) < 0 ? row.Problem(v, "is not allowed", "use 0 or more GPUs per worker") : null);

        public static readonly SettingRow Cpus = new("Cpus", SettingScope.Compute, SettingKind.Double, 0.0, SettingDiagnostics.InvalidResource,
            "CPU cores requested per worker; fractions are allowed",
            static (row, v) => !(v.Double(row) >= 0) || double.IsInfinity(v.Double(row))
                ? row.Problem(v, "is not allowed", "use 0 or more CPU cores per worker (fractions such as 0.5 are allowed)")
                : null);

        public static readonly SettingRow Memory = new("Memory", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidQuantity,
            "memory per worker, a Kubernetes quantity (\"12Gi\")", Quantity);

        public static readonly SettingRow Disk = new("Disk", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidQuantity,
            "ephemeral disk per worker, a Kubernetes quantity", Quantity);

        // Blank used to mean "the default" without a word; a typo'd override must not quietly pick another image.
        // Anything else the kubelet cannot parse would only fail after a deploy, as InvalidImageName.
        public static readonly SettingRow Image = new("Image", SettingScope.Compute, SettingKind.Text, ServiceDefaults.Image, SettingDiagnostics.InvalidImage,
            "the worker container's base image",
            static (row, v) => v.Text(row) is { } image && !ImageReference.IsValid(image)
                ? row.Problem(v, "is not an image reference", ImageReference.Rule + ", or leave Image unset for " + ServiceDefaults.Image)
                : null);

        public static readonly SettingRow InactivityTtl = new("InactivityTtl", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidDuration,
            "tear the service down after this long without calls (\"30m\")",
            static (row, v) => v.Text(row) is { } ttl && !(ServiceSettingsRules.DurationSeconds(ttl) > 0)
                ? row.Problem(v, "is not allowed", ServiceSettingsRules.TtlRule)
                : null);

        public static readonly SettingRow LaunchTimeout = new("LaunchTimeout", SettingScope.Compute, SettingKind.Int, ServiceDefaults.LaunchTimeoutSeconds, SettingDiagnostics.InvalidResource,
            "seconds a worker has to become ready",
            static (row, v) => v.Int(row) <= 0 ? row.Problem(v, "is not allowed", "use a number of seconds greater than 0") : null);

        public static readonly SettingRow Freeze = new("Freeze", SettingScope.Compute, SettingKind.Bool, false, null,
            "production mode: workers refuse hot code sync");

        public static readonly SettingRow Namespace = new("Namespace", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidName,
            "the Kubernetes namespace; configuration's when unset",
            static (row, v) => v.Text(row) is { } ns && !KubernetesValues.IsDnsLabel(ns)
                ? row.Problem(v, "is not a valid DNS-1123 label", KubernetesValues.DnsLabelRule)
                : null);

        public static readonly SettingRow GpuType = new("GpuType", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidGpuProduct,
            "the GPU product a pod runs on (node label `nvidia.com/gpu.product`); needs Gpus",
            static (row, v) => v.Text(row) is not { } product ? null
                : product.Length == 0 || !WorkerPlacement.IsLabelValue(product)
                    ? row.Problem(v, "is not a GPU product label value",
                        "use the node label value of the GPU product (nvidia.com/gpu.product), at most 63 letters, digits, '-', '_' or '.', for example \"NVIDIA-A100-SXM4-80GB\"")
                    : v.Int(Gpus) <= 0
                        ? row.Problem(v, "asks for a GPU type without any GPUs", "also set Gpus to 1 or more, or leave " + row.Key + " unset", SettingDiagnostics.GpuProductWithoutGpus)
                        : null);

        public static readonly SettingRow SharedMemory = new("SharedMemory", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidQuantity,
            "the size of a memory-backed `/dev/shm` in a pod",
            static (row, v) => v.Text(row) is { } shm && (!KubernetesValues.IsQuantity(shm) || shm.TrimStart('+').Trim('0', '.').Length == 0)
                ? row.Problem(v, "is not a Kubernetes quantity", KubernetesValues.QuantityRule)
                : null);

        public static readonly SettingRow NodeSelector = new("NodeSelector", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidNodeSelector,
            "`key=value,...` node labels a pod must run on",
            static (row, v) => v.Text(row) is { } selector && WorkerPlacement.ParseNodeSelector(selector) is null
                ? row.Problem(v, "is not a node selector", WorkerPlacement.NodeSelectorRule)
                : null);

        public static readonly SettingRow Tolerations = new("Tolerations", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidTolerations,
            "`key=value:Effect,...` taints a pod tolerates",
            static (row, v) => v.Text(row) is { } tolerations && WorkerPlacement.ParseTolerations(tolerations) is null
                ? row.Problem(v, "is not a list of tolerations", WorkerPlacement.TolerationsRule)
                : null);

        public static readonly SettingRow ServiceAccount = new("ServiceAccount", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidObjectName,
            "the pod's Kubernetes service account (`serviceAccountName`); the namespace's `default` when unset", ObjectName);

        public static readonly SettingRow ImagePullSecrets = new("ImagePullSecrets", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidObjectName,
            "`a,b`: the Secrets a pod pulls a private registry's image with (`imagePullSecrets`)",
            static (row, v) => v.Text(row) is { } names && ParseNames(names) is null
                ? row.Problem(v, "is not a list of Secret names", "use comma-separated Secret names, each once, for example \"ghcr-pull,registry-pull\"; " + WorkerVariables.SecretNameRule)
                : null);

        public static readonly SettingRow PriorityClass = new("PriorityClass", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidObjectName,
            "the pod's PriorityClass (`priorityClassName`): which pods the scheduler preempts for it; Knative needs `kubernetes.podspec-priorityclassname`", ObjectName);

        public static readonly SettingRow Labels = new("Labels", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidMetadata,
            "`k=v,...` labels on the workload and its pods; keys Hoist, Knative, KubeRay and Kueue own are refused",
            static (row, v) => v.Text(row) is { } labels && ParsePairs(labels, WorkerPlacement.IsLabelValue) is null
                ? row.Problem(v, "is not a list of labels Hoist can add", PairsRule("label", "team=ml,cost-center=42"))
                : null);

        public static readonly SettingRow Annotations = new("Annotations", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidMetadata,
            "`k=v,...` annotations on the workload and its pods; keys Hoist, Knative, KubeRay and Kueue own are refused",
            static (row, v) => v.Text(row) is { } annotations && ParsePairs(annotations, static value => value.Length > 0) is null
                ? row.Problem(v, "is not a list of annotations Hoist can add", PairsRule("annotation", "example.com/owner=ml-team"))
                : null);

        public static readonly SettingRow Queue = new("Queue", SettingScope.Compute, SettingKind.Text, null, SettingDiagnostics.InvalidObjectName,
            "the Kueue LocalQueue that admits the workload (label `" + KueueQueueLabel + "`)",
            static (row, v) => v.Text(row) is { } queue && !KubernetesValues.IsDnsLabel(queue)
                ? row.Problem(v, "is not a LocalQueue name", "use the name of a Kueue LocalQueue in the service's namespace: " + KubernetesValues.DnsLabelRule)
                : null);

        public static readonly SettingRow SpreadAcrossNodes = new("SpreadAcrossNodes", SettingScope.Compute, SettingKind.Bool, false, null,
            "spread replicas and ranks across nodes (a preferred topology spread on the hostname); Knative needs `kubernetes.podspec-topologyspreadconstraints`");

        public static readonly SettingRow Workers = new("Workers", SettingScope.Distribute, SettingKind.RequiredInt, null, SettingDiagnostics.InvalidWorkers,
            "the number of ranks, each a process or pod");

        public static readonly SettingRow Target = new("Target", SettingScope.Autoscale, SettingKind.Double, ServiceDefaults.Target, SettingDiagnostics.InvalidTarget,
            "concurrent requests (or requests per second) per replica", ServiceSettingsRules.CheckTarget);

        public static readonly SettingRow Window = new("Window", SettingScope.Autoscale, SettingKind.Text, ServiceDefaults.Window, SettingDiagnostics.InvalidDuration,
            "the window the metric is averaged over, 6s to 1h", ServiceSettingsRules.CheckWindow);

        public static readonly SettingRow Metric = new("Metric", SettingScope.Autoscale, SettingKind.Text, ServiceDefaults.Metric, SettingDiagnostics.InvalidMetric,
            "`concurrency` (in-flight requests) or `rps` (requests per second)", ServiceSettingsRules.CheckMetric);

        public static readonly SettingRow TargetUtilization = new("TargetUtilization", SettingScope.Autoscale, SettingKind.Int, ServiceDefaults.TargetUtilization, SettingDiagnostics.InvalidTargetUtilization,
            "percent of Target at which scaling begins, 1 to 100", ServiceSettingsRules.CheckTargetUtilization);

        public static readonly SettingRow MinScale = new("MinScale", SettingScope.Autoscale, SettingKind.OptionalInt, null, SettingDiagnostics.NegativeValue,
            "minimum replicas; 0 allows scale to zero, unset means 1", ServiceSettingsRules.CheckNotNegative);

        public static readonly SettingRow MaxScale = new("MaxScale", SettingScope.Autoscale, SettingKind.Int, ServiceDefaults.MaxScale, SettingDiagnostics.NegativeValue,
            "maximum replicas; 0 means no limit", ServiceSettingsRules.CheckNotNegative);

        public static readonly SettingRow InitialScale = new("InitialScale", SettingScope.Autoscale, SettingKind.Int, ServiceDefaults.InitialScale, SettingDiagnostics.NegativeValue,
            "replicas to start with, and what a wake from zero asks for", ServiceSettingsRules.CheckNotNegative);

        public static readonly SettingRow ScaleToZeroGracePeriod = new("ScaleToZeroGracePeriod", SettingScope.Autoscale, SettingKind.OptionalInt, null, SettingDiagnostics.NegativeValue,
            "seconds idle before scaling to zero; turns scale to zero on", ServiceSettingsRules.CheckNotNegative);

        public static readonly SettingRow ContainerConcurrency = new("ContainerConcurrency", SettingScope.Autoscale, SettingKind.Int, 0, SettingDiagnostics.InvalidContainerConcurrency,
            "the most calls a replica runs at once (Knative's `containerConcurrency`), more wait for a slot; 0 means no limit, at most 1000",
            static (row, v) => v.Int(row) is < 0 or > ServiceSettingsRules.MaxContainerConcurrency
                ? row.Problem(v, "is out of range", "use 0 (no limit) to " + ServiceSettingsRules.MaxContainerConcurrency.ToString(CultureInfo.InvariantCulture) + " calls at once per replica (Knative's container-concurrency-max-limit)")
                : null);

        public static readonly SettingRow ScaleDownDelay = new("ScaleDownDelay", SettingScope.Autoscale, SettingKind.Text, null, SettingDiagnostics.InvalidDuration,
            "how long a scale-down waits: the most replicas wanted over this long, 0s to 1h (`autoscaling.knative.dev/scale-down-delay`)", ServiceSettingsRules.CheckScaleDownDelay);

        /// <summary>Every row, in the descriptor JSON's order within each scope.</summary>
        public static readonly IReadOnlyList<SettingRow> Rows = new[]
        {
            Gpus, Cpus, Memory, Disk, Image, InactivityTtl, LaunchTimeout, Freeze, Namespace, GpuType, SharedMemory, NodeSelector, Tolerations,
            ServiceAccount, ImagePullSecrets, PriorityClass, Labels, Annotations, Queue, SpreadAcrossNodes,
            Workers,
            Target, Window, Metric, TargetUtilization, MinScale, MaxScale, InitialScale, ScaleToZeroGracePeriod, ContainerConcurrency, ScaleDownDelay,
        };

        /// <summary>The rows of one attribute, in order.</summary>
        public static IEnumerable<SettingRow> In(SettingScope scope) => Rows.Where(r => r.Scope == scope);

        /// <summary>The row of an attribute property or override key, or null.</summary>
        public static SettingRow? Find(string key) => Rows.FirstOrDefault(r => string.Equals(r.Key, key, StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The settings table of docs/attributes.md, as a test checks it: one line per row, so the docs cannot drift
        /// from what the generator and the runtime accept.
        /// </summary>
        public static string MarkdownTable()
        {
            var table = new StringBuilder()
                .Append("| attribute | setting | type | default | descriptor field | rule | what it does |\n")
                .Append("|---|---|---|---|---|---|---|\n");
            foreach (var row in Rows)
            {
                table.Append("| `[").Append(row.Scope.ToString()).Append("]` | `").Append(row.Key).Append("` | ")
                    .Append(row.Kind switch
                    {
                        SettingKind.Double => "number",
                        SettingKind.Bool => "bool",
                        SettingKind.Text => "string",
                        _ => "int",
                    })
                    .Append(" | ").Append(row.Default is null ? "unset" : "`" + ServiceSettingsRules.Literal(row.Default) + "`")
                    .Append(" | `").Append(row.ScopeField).Append('.').Append(row.Field).Append("` | ")
                    .Append(row.DiagnosticId ?? "-").Append(" | ").Append(row.Doc).Append(" |\n");
            }

            return table.ToString();
        }

        /// <summary>
        /// The keys and values of "k=v,k2=v2" (labels or annotations a user adds), or null when a key is not a label key,
        /// is written twice or is one Hoist or the controllers it renders for own (<see cref="IsOwnedKey"/>), or a value
        /// fails <paramref name="isValue"/>.
        /// </summary>
        public static IReadOnlyList<KeyValuePair<string, string>>? ParsePairs(string? text, Func<string, bool> isValue)
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var part in (text ?? "").Split(','))
            {
                var equals = part.IndexOf('=');
                var key = equals < 0 ? "" : part.Substring(0, equals).Trim();
                var value = equals < 0 ? "" : part.Substring(equals + 1).Trim();
                if (!WorkerPlacement.IsLabelKey(key) || IsOwnedKey(key) || !isValue(value) || pairs.Any(p => p.Key == key))
                {
                    return null;
                }

                pairs.Add(new KeyValuePair<string, string>(key, value));
            }

            return pairs;
        }

        /// <summary>
        /// A label or annotation key that Hoist (app.kubernetes.io/name, instance, component, part-of, managed-by and
        /// hoist.dev), Knative (*.knative.dev), KubeRay (ray.io), Kueue (its queue name: Queue sets it) or the
        /// workload controllers (apps.kubernetes.io, statefulset.kubernetes.io, pod-template-hash) set themselves.
        /// </summary>
        public static bool IsOwnedKey(string key)
        {
            var slash = key.IndexOf('/');
            var prefix = slash < 0 ? "" : key.Substring(0, slash);
            return Array.IndexOf(s_ownedKeys, key) >= 0
                || prefix == "hoist.dev" || prefix.EndsWith(".hoist.dev", StringComparison.Ordinal)
                || prefix == "knative.dev" || prefix.EndsWith(".knative.dev", StringComparison.Ordinal)
                || prefix is "ray.io" or "apps.kubernetes.io" or "statefulset.kubernetes.io";
        }

        private static readonly string[] s_ownedKeys =
        {
            "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component", "app.kubernetes.io/part-of",
            "app.kubernetes.io/managed-by", KueueQueueLabel, "pod-template-hash", "controller-revision-hash",
        };

        private static string PairsRule(string what, string example) =>
            $"use comma-separated key=value pairs, each key once, a {what} key that Hoist, Knative (*.knative.dev), KubeRay (ray.io) and Kueue do not set themselves"
            + (what == "label" ? ", each value a label value" : ", each value not empty") + $", for example \"{example}\"";

        /// <summary>The names of "a,b", each a Kubernetes object name and each once; null when any is not.</summary>
        public static IReadOnlyList<string>? ParseNames(string? text)
        {
            var names = (text ?? "").Split(',').Select(n => n.Trim()).ToList();
            return names.All(WorkerVariables.IsSecretName) && names.Distinct(StringComparer.Ordinal).Count() == names.Count ? names : null;
        }

        // The name of a Kubernetes object the pod refers to: a DNS-1123 subdomain, as the API server checks it.
        private static SettingProblem? ObjectName(SettingRow row, ServiceSettingValues values) =>
            values.Text(row) is { } name && !WorkerVariables.IsSecretName(name)
                ? row.Problem(values, "is not a Kubernetes object name", WorkerVariables.SecretNameRule)
                : null;

        private static SettingProblem? Quantity(SettingRow row, ServiceSettingValues values) =>
            values.Text(row) is { } value && !KubernetesValues.IsQuantity(value)
                ? row.Problem(values, "is not a Kubernetes quantity", KubernetesValues.QuantityRule)
                : null;
    }

    /// <summary>
    /// The ID of every settings rule, stated once: the generator's diagnostic catalogue (DiagnosticDescriptors) gives
    /// each its title, and a refused override carries the same ID.
    /// </summary>
    internal static class SettingDiagnostics
    {
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
        public const string InvalidGpuProduct = "HOIST040";
        public const string InvalidNodeSelector = "HOIST041";
        public const string InvalidTolerations = "HOIST042";
        public const string GpuProductWithoutGpus = "HOIST044";
        public const string InvalidStorageClass = "HOIST045";
        public const string GracePeriodOverridesMinScale = "HOIST046";
        public const string InvalidObjectName = "HOIST047";
        public const string InvalidMetadata = "HOIST048";
        public const string AutoscaleOnRay = "HOIST049";
        public const string InvalidContainerConcurrency = "HOIST050";

        /// <summary>Hoist:Kubernetes:PodTemplate sets a field Hoist owns, or one a service renders otherwise; the manifest tool and the CLI report it.</summary>
        public const string InvalidPodTemplate = "HOIST051";
    }
}

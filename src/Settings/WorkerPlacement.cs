using System;
using System.Collections.Generic;

namespace Hoist.Settings
{
    /// <summary>One node selector term, <c>key=value</c>.</summary>
    internal sealed class NodeSelectorTerm
    {
        public NodeSelectorTerm(string key, string value)
        {
            Key = key;
            Value = value;
        }

        public string Key { get; }

        public string Value { get; }
    }

    /// <summary>One toleration: <c>key=value:Effect</c> (Equal), <c>key:Effect</c> or <c>key</c> (Exists); no effect tolerates every effect.</summary>
    internal sealed class TolerationTerm
    {
        public TolerationTerm(string key, string? value, string? effect)
        {
            Key = key;
            Value = value;
            Effect = effect;
        }

        public string Key { get; }

        /// <summary>Null tolerates any value (operator Exists).</summary>
        public string? Value { get; }

        /// <summary>NoSchedule, PreferNoSchedule or NoExecute; null for all three.</summary>
        public string? Effect { get; }

        public string Operator => Value is null ? "Exists" : "Equal";
    }

    /// <summary>
    /// Where a worker's pod may run: the placement settings of [Compute] (GPU product, node selector, tolerations) in the one
    /// attribute-friendly syntax both the settings rules and the renderer parse, so what passes the check is what renders.
    /// </summary>
    internal static class WorkerPlacement
    {
        /// <summary>The label NVIDIA's GPU feature discovery puts on every GPU node, e.g. "NVIDIA-A100-SXM4-80GB"; Kubetorch's gpu_type selects on it, and so does SettingsCatalogue's GPU product row.</summary>
        public const string GpuProductLabel = "nvidia.com/gpu.product";

        public const string NodeSelectorRule =
            "use comma-separated key=value node labels, for example \"cloud.google.com/gke-nodepool=gpu,disktype=ssd\"";

        public const string TolerationsRule =
            "use comma-separated taints to tolerate, each key=value:Effect, key:Effect or key, with Effect NoSchedule, PreferNoSchedule or NoExecute, for example \"dedicated=ml:NoSchedule\"";

        public static readonly IReadOnlyList<string> Effects = new[] { "NoSchedule", "PreferNoSchedule", "NoExecute" };

        /// <summary>The terms of "key=value,key2=value2", or null when any term is not a valid label selector.</summary>
        public static IReadOnlyList<NodeSelectorTerm>? ParseNodeSelector(string? text)
        {
            var terms = new List<NodeSelectorTerm>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var part in Split(text))
            {
                var equals = part.IndexOf('=');
                if (equals < 0)
                {
                    return null;
                }

                var key = part.Substring(0, equals).Trim();
                var value = part.Substring(equals + 1).Trim();
                if (!IsLabelKey(key) || !IsLabelValue(value) || !keys.Add(key))
                {
                    return null;
                }

                terms.Add(new NodeSelectorTerm(key, value));
            }

            return terms.Count == 0 ? null : terms;
        }

        /// <summary>The terms of "key=value:Effect,key:Effect,key", or null when any term is malformed.</summary>
        public static IReadOnlyList<TolerationTerm>? ParseTolerations(string? text)
        {
            var terms = new List<TolerationTerm>();
            foreach (var part in Split(text))
            {
                var colon = part.LastIndexOf(':');
                string? effect = null;
                var taint = part;
                if (colon >= 0)
                {
                    effect = part.Substring(colon + 1).Trim();
                    taint = part.Substring(0, colon).Trim();
                    if (Array.IndexOf((string[])Effects, effect) < 0)
                    {
                        return null;
                    }
                }

                var equals = taint.IndexOf('=');
                var key = (equals < 0 ? taint : taint.Substring(0, equals)).Trim();
                var value = equals < 0 ? null : taint.Substring(equals + 1).Trim();
                if (!IsLabelKey(key) || (value is not null && !IsLabelValue(value)))
                {
                    return null;
                }

                terms.Add(new TolerationTerm(key, value, effect));
            }

            return terms.Count == 0 ? null : terms;
        }

        /// <summary>A label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.</summary>
        public static bool IsLabelValue(string? value)
        {
            if (value is null || value.Length > KubernetesValues.MaxLabelLength)
            {
                return false;
            }

            if (value.Length == 0)
            {
                return true;
            }

            if (!IsAlphanumeric(value[0]) || !IsAlphanumeric(value[value.Length - 1]))
            {
                return false;
            }

            foreach (var c in value)
            {
                if (!(IsAlphanumeric(c) || c is '-' or '_' or '.'))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>A label key: an optional DNS-1123 subdomain prefix and '/', then a name as a non-empty label value.</summary>
        public static bool IsLabelKey(string? key)
        {
            if (key is not { Length: > 0 })
            {
                return false;
            }

            var slash = key.IndexOf('/');
            var name = slash < 0 ? key : key.Substring(slash + 1);
            if (slash >= 0 && !WorkerVariables.IsSecretName(key.Substring(0, slash)))
            {
                return false;
            }

            return name.Length > 0 && IsLabelValue(name);
        }

        private static IEnumerable<string> Split(string? text)
        {
            if (text is null)
            {
                yield break;
            }

            foreach (var part in text.Split(','))
            {
                yield return part.Trim();
            }
        }

        private static bool IsAlphanumeric(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9';
    }
}

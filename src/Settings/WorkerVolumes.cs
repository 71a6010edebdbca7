using System;

namespace Hoist.Settings
{
    /// <summary>One <c>[Volume("models", "/models", Size = "100Gi")]</c>, as the settings rules see it.</summary>
    internal sealed class VolumeSetting
    {
        public VolumeSetting(string? name, string? path, string? size, string? storageClass)
        {
            Name = name;
            Path = path;
            Size = size;
            StorageClass = storageClass;
        }

        public string? Name { get; }

        public string? Path { get; }

        public string? Size { get; }

        public string? StorageClass { get; }
    }

    /// <summary>
    /// What a volume's name, mount path and size may be, and the one variable that tells a worker where a volume is:
    /// <c>HOIST_VOLUME_&lt;NAME&gt;</c>, set by every backend (HoistVolumes.PathOf reads it).
    /// </summary>
    internal static class WorkerVolumes
    {
        /// <summary>Every volume variable starts so; HOIST_ is reserved, so no [Env] can shadow one.</summary>
        public const string VariablePrefix = "HOIST_VOLUME_";

        /// <summary>Claims default to a size a model cache is likely to need, as Kubernetes requires one.</summary>
        public const string DefaultSize = "10Gi";

        public const string NameRule =
            "use 1 to 63 lowercase letters (a-z), digits or '-', starting and ending with a letter or digit, for example \"models\"; it names the PersistentVolumeClaim";

        public const string PathRule =
            "use an absolute path such as \"/models\", not \"/\", without '..', ':' or ',', and not inside /app (the app), /dev or /proc";

        public const string StorageClassRule = "use the name of a StorageClass, a DNS-1123 subdomain such as \"standard-rwx\", or leave it unset for the cluster's default";

        public const string SetupRule = "use a non-empty shell command such as \"pip install vllm\"";

        /// <summary>"models" -> HOIST_VOLUME_MODELS; "hf-cache" -> HOIST_VOLUME_HF_CACHE.</summary>
        public static string VariableOf(string name) => VariablePrefix + name.ToUpperInvariant().Replace('-', '_');

        public static bool IsName(string? name) => KubernetesValues.IsDnsLabel(name);

        public static bool IsMountPath(string? path)
        {
            if (path is not { Length: > 1 } || path[0] != '/' || path.IndexOf(':') >= 0 || path.IndexOf(',') >= 0 || path.IndexOf('\0') >= 0)
            {
                return false;
            }

            foreach (var segment in path.Split('/'))
            {
                if (segment == "..")
                {
                    return false;
                }
            }

            var trimmed = path.TrimEnd('/');
            return trimmed.Length > 0 && !IsUnder(trimmed, "/app") && !IsUnder(trimmed, "/dev") && !IsUnder(trimmed, "/proc");
        }

        /// <summary>A setup step: a command with something in it, and no NUL (which no shell argument can hold).</summary>
        public static bool IsSetupStep(string? step) => step is not null && step.Trim().Length > 0 && step.IndexOf('\0') < 0;

        private static bool IsUnder(string path, string folder) =>
            path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);
    }
}

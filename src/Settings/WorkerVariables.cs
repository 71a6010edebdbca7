using System;
using System.Collections.Generic;

namespace Hoist.Settings
{
    /// <summary>One <c>[Env("NAME", "value")]</c>, as the settings rules see it.</summary>
    internal sealed class EnvironmentSetting
    {
        public EnvironmentSetting(string? name, string? value)
        {
            Name = name;
            Value = value;
        }

        public string? Name { get; }

        public string? Value { get; }
    }

    /// <summary>One <c>[Secret]</c>: a whole secret (no key), or one key into one variable. Never a value.</summary>
    internal sealed class SecretSetting
    {
        public SecretSetting(string? name, string? key, string? variable)
        {
            Name = name;
            Key = key;
            Variable = variable;
        }

        public string? Name { get; }

        public string? Key { get; }

        public string? Variable { get; }
    }

    /// <summary>What a worker's environment variable and a secret's name and key may be.</summary>
    internal static class WorkerVariables
    {
        public const string VariableNameRule = "use letters, digits and '_', not starting with a digit, for example \"HF_HOME\"";

        public const string SecretNameRule =
            "use a DNS-1123 subdomain: at most 253 lowercase letters (a-z), digits, '-' or '.', starting and ending with a letter or digit, for example \"huggingface\"";

        public const string SecretKeyRule = "use at most 253 letters, digits, '-', '_' or '.', for example \"token\"";

        /// <summary>The prefix of every variable Hoist sets itself, and of its configuration (Hoist__...), in any case.</summary>
        public const string ReservedPrefix = "HOIST_";

        /// <summary>What Hoist sets in a distributed group's workers (DistributedEnvironment, the renderer), besides HOIST_*.</summary>
        public static readonly IReadOnlyList<string> DistributedVariables = new[]
        {
            "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "NODE_RANK", "MASTER_ADDR", "MASTER_PORT",
            "JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID", "TF_CONFIG", "RAY_ADDRESS",
        };

        public static bool IsVariableName(string? name)
        {
            if (name is not { Length: > 0 } || name[0] is >= '0' and <= '9')
            {
                return false;
            }

            foreach (var c in name)
            {
                if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_'))
                {
                    return false;
                }
            }

            return true;
        }

        public static bool IsReserved(string name) =>
            name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase) || ((IList<string>)DistributedVariables).Contains(name);

        public static bool IsSecretName(string? name)
        {
            if (name is not { Length: > 0 and <= 253 })
            {
                return false;
            }

            foreach (var label in name.Split('.'))
            {
                if (!KubernetesValues.IsDnsLabel(label))
                {
                    return false;
                }
            }

            return true;
        }

        public static bool IsSecretKey(string? key)
        {
            if (key is not { Length: > 0 and <= 253 } || key == "." || key == "..")
            {
                return false;
            }

            foreach (var c in key)
            {
                if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.'))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

using System;

namespace Hoist
{
    /// <summary>
    /// Gives every worker of the service the values of a secret as environment variables. Repeatable. In a pod they
    /// come from the Kubernetes Secret <see cref="Name"/>; on the local backend from the caller's configuration,
    /// <c>Hoist:Secrets:&lt;name&gt;:&lt;key&gt;</c> (user secrets or environment variables). A value never appears
    /// in logs, manifests, descriptors or exception messages.
    /// </summary>
    /// <example>
    /// <c>[Secret("huggingface")]</c> sets one variable per key of the secret, named as the key;
    /// <c>[Secret("huggingface", "token", "HF_TOKEN")]</c> sets HF_TOKEN to the secret's key "token".
    /// </example>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SecretAttribute : Attribute
    {
        /// <param name="name">The secret, a DNS-1123 subdomain such as "huggingface".</param>
        public SecretAttribute(string name) => Name = name;

        /// <param name="name">The secret, a DNS-1123 subdomain such as "huggingface".</param>
        /// <param name="key">The key within the secret, for example "token".</param>
        /// <param name="variable">The environment variable that receives its value, for example "HF_TOKEN".</param>
        public SecretAttribute(string name, string key, string variable)
        {
            Name = name;
            Key = key;
            Variable = variable;
        }

        public string Name { get; }

        /// <summary>The one key to read; null reads every key of the secret.</summary>
        public string? Key { get; }

        /// <summary>The variable that receives <see cref="Key"/>'s value; null when every key is read.</summary>
        public string? Variable { get; }
    }
}

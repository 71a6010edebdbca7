using System;

namespace Hoist
{
    /// <summary>
    /// Sets an environment variable in every worker of the service: the worker process on the local backend, the
    /// container in a pod. Repeatable. The name is a POSIX name (letters, digits and '_', not starting with a digit)
    /// and cannot replace a variable Hoist sets itself (HOIST_*, RANK, WORLD_SIZE, MASTER_ADDR and the like).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class EnvAttribute : Attribute
    {
        /// <param name="name">The variable, for example "HF_HOME".</param>
        /// <param name="value">Its value, for example "/models".</param>
        public EnvAttribute(string name, string value)
        {
            Name = name;
            Value = value;
        }

        public string Name { get; }

        public string Value { get; }
    }
}

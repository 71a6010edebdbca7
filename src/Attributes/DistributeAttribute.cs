using System;

namespace Hoist
{
    /// <summary>
    /// Runs the service as a group of <see cref="Workers"/> ranks wired together the way torchrun,
    /// Kubeflow, JAX or TensorFlow expect. A call fans out to every rank and returns one result per rank,
    /// in rank order.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class DistributeAttribute : Attribute
    {
        /// <param name="type">"pytorch", "jax", "tensorflow", "ray" or "spmd".</param>
        public DistributeAttribute(string type) => Type = type;

        /// <summary>"pytorch", "jax", "tensorflow", "ray" or "spmd" (generic).</summary>
        public string Type { get; }

        /// <summary>Number of workers (ranks), each a process or pod. Required.</summary>
        public int Workers { get; set; }
    }
}

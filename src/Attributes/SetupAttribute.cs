using System;

namespace Hoist
{
    /// <summary>
    /// A shell step (run with <c>/bin/sh -c</c>) that prepares every worker of the service before it reports ready,
    /// for example <c>[Setup("pip install vllm")]</c>. Repeatable; the steps run in declaration order and count within
    /// LaunchTimeout. A failing step fails the launch, naming the step and quoting its stderr.
    /// </summary>
    /// <remarks>
    /// Locally the caller runs the list once per user and distinct list (a marker per hash of the list, under a lock,
    /// so concurrent replicas and later runs skip it) with the worker's [Env], [Secret] and [Volume] variables, and its
    /// output goes to the caller's log with secret values masked. In a pod the worker container runs the list before the
    /// worker starts, once per container, since what a step installs lives in the container's own file system.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SetupAttribute : Attribute
    {
        /// <param name="command">The shell command, for example "pip install vllm" or "apt-get install -y ffmpeg".</param>
        public SetupAttribute(string command) => Command = command;

        public string Command { get; }
    }
}

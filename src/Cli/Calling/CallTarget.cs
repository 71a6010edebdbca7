using System.Reflection;
using System.Runtime.Loader;
using Hoist.Dispatch;

namespace Hoist.Cli.Calling;

/// <summary>
/// Makes this process a caller of another app's services: their descriptors go into the service registry (read
/// from metadata; the app's code never runs here), and the app's assembly is loaded, without running it, so
/// that the local backend starts workers from the app's executable rather than from hoist's.
/// </summary>
internal static class CallTarget
{
    public static void Register(IEnumerable<ServiceDescriptor> descriptors)
    {
        foreach (var descriptor in descriptors)
        {
            ServiceRegistry.Register(descriptor, static _ => throw new InvalidOperationException("hoist only calls services; their workers serve them."));
        }
    }

    /// <summary>
    /// Loads the app into its own load context, so that it is among this process's assemblies (the local backend
    /// looks there for the executable that declares a service) while its dependencies never mix with hoist's.
    /// </summary>
    public static Assembly LoadApp(string assemblyPath) =>
        new AssemblyLoadContext($"hoist-call:{Path.GetFileName(assemblyPath)}").LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
}

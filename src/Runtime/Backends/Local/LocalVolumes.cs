using Hoist.Settings;

namespace Hoist.Backends.Local;

/// <summary>
/// A service's [Volume]s on this machine: one folder per app and volume, <c>&lt;root&gt;/&lt;app&gt;/&lt;volume&gt;</c>, that every
/// replica (and every later run) shares, as the pods of a service share a claim. A worker finds it through
/// <c>HOIST_VOLUME_&lt;NAME&gt;</c>, which <see cref="HoistVolumes.PathOf"/> reads; the mount path only means something in a pod.
/// </summary>
internal static class LocalVolumes
{
    /// <summary>The default root, private to the user (<see cref="Hosting.LocalBackendOptions.VolumesFolder"/>).</summary>
    public static string DefaultRoot() => Transport.PrivateFolder.UserFolder("XDG_DATA_HOME", Path.Combine(".local", "share"), "volumes");

    /// <summary>Each volume's variable and folder. Pure.</summary>
    public static Dictionary<string, string> Variables(ServiceDescriptor descriptor, string root) =>
        descriptor.Volumes.ToDictionary(
            v => WorkerVolumes.VariableOf(v.Name),
            v => Path.Combine(root, descriptor.AssemblyName, v.Name),
            StringComparer.Ordinal);

    /// <summary>Creates the folders (the root private to the user) and returns their variables.</summary>
    public static Dictionary<string, string> Ensure(ServiceDescriptor descriptor, string root)
    {
        var variables = Variables(descriptor, root);
        if (variables.Count > 0)
        {
            Transport.PrivateFolder.Ensure(root);
            foreach (var folder in variables.Values)
            {
                Directory.CreateDirectory(folder);
            }
        }

        return variables;
    }
}

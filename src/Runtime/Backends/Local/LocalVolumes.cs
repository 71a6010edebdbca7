using Hoist.Settings;

namespace Hoist.Backends.Local;

/// <summary>
/// A service's [Volume]s on this machine: one folder per app and volume, <c>&lt;root&gt;/&lt;app&gt;/&lt;volume&gt;</c>, that every
/// replica (and every later run) shares, as the pods of a service share a claim. A worker finds it through
/// <c>HOIST_VOLUME_&lt;NAME&gt;</c>, which <see cref="HoistVolumes.PathOf"/> reads; the mount path only means something in a pod.
/// </summary>
internal static class LocalVolumes
{
    /// <summary>The default root, private to the user (<see cref="Hoist.Configuration.LocalBackendOptions.VolumesFolder"/>).</summary>
    public static string DefaultRoot() => Transport.PrivateFolder.UserFolder("XDG_DATA_HOME", Path.Combine(".local", "share"), "volumes");

    /// <summary>Each volume's variable and folder. Pure.</summary>
    public static Dictionary<string, string> Variables(ServiceDescriptor descriptor, string root) =>
        descriptor.Volumes.ToDictionary(
            v => WorkerVolumes.VariableOf(v.Name),
            v => Path.Combine(root, descriptor.AssemblyName, v.Name),
            StringComparer.Ordinal);

    /// <summary>
    /// Creates the folders (the root private to the user) and returns their variables. A root another user holds
    /// fails the launch with the refusal (<see cref="Transport.PrivateFolderException"/>) rather than move the data elsewhere.
    /// </summary>
    public static Dictionary<string, string> Ensure(ServiceDescriptor descriptor, string root)
    {
        var variables = Variables(descriptor, root);
        if (variables.Count > 0)
        {
            try
            {
                Transport.PrivateFolder.Ensure(root);
            }
            catch (Transport.PrivateFolderException ex)
            {
                throw new WorkerLaunchException(descriptor.Name, null, $"Service '{descriptor.Name}' failed to launch: its [Volume] folders need a private root. {ex.Message}", string.Empty, null);
            }

            foreach (var folder in variables.Values)
            {
                Directory.CreateDirectory(folder);
            }
        }

        return variables;
    }
}

using Hoist.Settings;

namespace Hoist;

/// <summary>
/// Where a service's <c>[Volume]</c> is, in the worker that runs its method: the mount path in a pod, the app's shared
/// folder for it on the local backend. Both backends set <c>HOIST_VOLUME_&lt;NAME&gt;</c> ("hf-cache" is
/// HOIST_VOLUME_HF_CACHE), so scripts and other processes the method starts can read it too.
/// </summary>
public static class HoistVolumes
{
    /// <summary>The folder of the volume <paramref name="name"/>, for example <c>HoistVolumes.PathOf("models")</c>.</summary>
    /// <exception cref="InvalidOperationException">This process is no worker of a service with that volume.</exception>
    public static string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var variable = WorkerVolumes.VariableOf(name);
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } path
            ? path
            : throw new InvalidOperationException(
                $"No volume '{name}' here ({variable} is not set): a worker of a service with [Volume(\"{name}\", \"/path\")] has it; the caller and other services do not.");
    }
}

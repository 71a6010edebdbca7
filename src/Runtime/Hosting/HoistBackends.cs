namespace Hoist.Hosting;

/// <summary>The values of <c>Hoist:Backend</c>: where an app's services run.</summary>
public static class HoistBackends
{
    /// <summary>Worker processes of this executable on this machine (the default).</summary>
    public const string Local = "local";

    /// <summary>Pods in a Kubernetes cluster, deployed from the same manifests the build writes.</summary>
    public const string Kubernetes = "kubernetes";

    public static IReadOnlyList<string> All { get; } = [Local, Kubernetes];

    /// <summary>The canonical name of <paramref name="value"/> (case-insensitive), or null when it names no backend.</summary>
    public static string? Normalize(string? value) =>
        All.FirstOrDefault(b => string.Equals(b, value?.Trim(), StringComparison.OrdinalIgnoreCase));
}

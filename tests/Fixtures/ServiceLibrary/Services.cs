using Hoist;

namespace ServiceLibrary;

/// <summary>A method service with resources.</summary>
public static partial class Thumbnails
{
    [Compute(Cpus = 0.5, Memory = "256Mi", LaunchTimeout = 120)]
    public static int[] Shrink(int[] pixels, int factor) => pixels.Where((_, i) => i % factor == 0).ToArray();
}

/// <summary>An autoscaled class service: a Knative Service in the manifests.</summary>
[Compute(Name = "scorer", Memory = "1Gi")]
[Autoscale(Target = 4, MaxScale = 3, ScaleToZeroGracePeriod = 120)]
public partial class Scorer
{
    public double Score(string text) => text.Length;
}

/// <summary>
/// Would fail the build if anything ran the library's code while writing manifests: they come from metadata.
/// </summary>
public static class NeverRun
{
#pragma warning disable CA2255 // The point: loading this library at build time would fail loudly.
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Initialize() => throw new InvalidOperationException("The manifest tool must not load this assembly.");
#pragma warning restore CA2255
}

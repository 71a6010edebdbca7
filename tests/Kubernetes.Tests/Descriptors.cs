using Hoist.Manifests;

namespace Hoist.Kubernetes.Tests;

/// <summary>One service of each kind, and the options the backend renders them with.</summary>
internal static class Descriptors
{
    public static readonly ManifestOptions Options = new() { AppName = "MyApp", Image = "registry.example/myapp:1.0", Namespace = "ml" };

    public static ServiceDescriptor Plain(string name = "probe") => new()
    {
        Name = name,
        Kind = ServiceKind.Class,
        DeclaringType = "MyApp.Probe",
        AssemblyName = "MyApp",
        Methods = ["Echo"],
        Compute = new ComputeSpec { Cpus = 1, Memory = "1Gi", LaunchTimeout = 60, InactivityTtl = "30m" },
    };

    public static ServiceDescriptor Autoscaled() => Plain("embed") with
    {
        Autoscale = new AutoscaleSpec { Target = 8, MaxScale = 10, ScaleToZeroGracePeriod = 300 },
    };

    public static ServiceDescriptor Distributed(int workers = 4) => Plain("train") with
    {
        Distribution = new DistributionSpec { Type = "pytorch", Workers = workers },
    };

    public static ServiceDescriptor Ray() => Plain("tune") with
    {
        Compute = Plain().Compute with { Image = "rayproject/ray:2.9.0" },
        Distribution = new DistributionSpec { Type = "ray", Workers = 3 },
    };

    public static IEnumerable<object[]> AllKinds() =>
    [
        [Plain()],
        [Autoscaled()],
        [Distributed()],
        [Ray()],
    ];
}

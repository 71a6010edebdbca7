using Hoist.Hosting;

namespace Hoist.Runtime.Tests;

public sealed class ServiceOverridesTests
{
    private static readonly ServiceDescriptor Embed = new()
    {
        Name = "embed",
        Kind = ServiceKind.Method,
        DeclaringType = "App.Embeddings",
        AssemblyName = "App",
        Methods = ["Embed"],
        Compute = new ComputeSpec { Gpus = 1, Memory = "12Gi", LaunchTimeout = 60 },
        Autoscale = new AutoscaleSpec { Target = 8, MaxScale = 10, ScaleToZeroGracePeriod = 300 },
    };

    [Fact]
    public void ApplyTo_ReplacesOnlyTheValuesThatAreSet()
    {
        var result = new ServiceOverrides { MaxScale = 20, Memory = "16Gi" }.ApplyTo(Embed);

        Assert.Equal(20, result.Autoscale!.MaxScale);
        Assert.Equal("16Gi", result.Compute.Memory);
        Assert.Equal(8, result.Autoscale.Target);
        Assert.Equal(300, result.Autoscale.ScaleToZeroGracePeriod);
        Assert.Equal(1, result.Compute.Gpus);
        Assert.Equal(60, result.Compute.LaunchTimeout);
    }

    [Fact]
    public void ApplyTo_LeavesAServiceWithoutAutoscaleWithoutAutoscale()
    {
        var result = new ServiceOverrides { MaxScale = 5 }.ApplyTo(Embed with { Autoscale = null });

        Assert.Null(result.Autoscale);
    }
}

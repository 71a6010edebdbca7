namespace Hoist.Manifests;

/// <summary>
/// What a worker's base image (<c>[Compute(Image = ...)]</c>) holds. Microsoft's .NET images carry the
/// runtime, so the app ships framework-dependent and starts with <c>dotnet app.dll</c>; any other base
/// (a CUDA or PyTorch image, say) gets a self-contained app that starts through its own launcher.
/// </summary>
public static class BaseImages
{
    public const string DotnetImagePrefix = "mcr.microsoft.com/dotnet/";

    public static bool CarriesDotnet(string image)
    {
        ArgumentException.ThrowIfNullOrEmpty(image);
        var name = image.Trim();
        if (name.StartsWith("docker://", StringComparison.OrdinalIgnoreCase))
        {
            name = name["docker://".Length..];
        }

        return name.StartsWith(DotnetImagePrefix, StringComparison.OrdinalIgnoreCase);
    }
}

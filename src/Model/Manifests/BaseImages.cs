namespace Hoist.Manifests;

/// <summary>
/// What a worker's base image (<c>[Compute(Image = ...)]</c>) holds. Only Microsoft's <c>aspnet</c> and <c>sdk</c>
/// images of this .NET version carry what a Hoist worker needs, the runtime and ASP.NET Core (it serves gRPC on
/// Kestrel), so only they get the app framework-dependent, started with <c>dotnet app.dll</c>. Every other base
/// gets a self-contained app that starts through its own launcher: a CUDA or PyTorch image, but also
/// <c>runtime-deps</c> (no <c>dotnet</c>), <c>runtime</c> (no ASP.NET Core) and another .NET version's image,
/// on each of which a framework-dependent worker would crash-loop.
/// </summary>
public static class BaseImages
{
    public const string DotnetImagePrefix = "mcr.microsoft.com/dotnet/";

    /// <summary>The .NET version the app targets and its images must match, "10.0".</summary>
    public static readonly string DotnetVersion = $"{Environment.Version.Major}.0";

    private static readonly string[] s_frameworkRepositories = ["aspnet", "sdk"];

    public static bool CarriesDotnet(string image)
    {
        ArgumentException.ThrowIfNullOrEmpty(image);
        var name = image.Trim();
        if (name.StartsWith("docker://", StringComparison.OrdinalIgnoreCase))
        {
            name = name["docker://".Length..];
        }

        if (!name.StartsWith(DotnetImagePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // "aspnet:10.0", "sdk:10.0-noble", "nightly/aspnet:10.0"; a digest without a tag says no version: no.
        var path = name[DotnetImagePrefix.Length..];
        if (path.StartsWith("nightly/", StringComparison.OrdinalIgnoreCase))
        {
            path = path["nightly/".Length..];
        }

        var colon = path.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || path.Contains('@', StringComparison.Ordinal))
        {
            return false;
        }

        var repository = path[..colon];
        var tag = path[(colon + 1)..];
        return s_frameworkRepositories.Contains(repository, StringComparer.OrdinalIgnoreCase)
            && (tag == DotnetVersion || tag.StartsWith(DotnetVersion + "-", StringComparison.Ordinal) || tag.StartsWith(DotnetVersion + ".", StringComparison.Ordinal));
    }
}

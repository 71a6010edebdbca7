using System.Text;

namespace Hoist.Manifests;

/// <summary>
/// Which container image runs a service, the one rule every path follows: build-time manifests, <c>hoist manifests</c>,
/// <c>hoist deploy</c> (which builds and pushes exactly these) and the Kubernetes backend. A service on the default base
/// image runs the app image, <c>registry/app:tag</c>; a service whose <c>[Compute(Image)]</c> (or
/// <c>Hoist:Services:&lt;name&gt;:Image</c>) names another base runs the app published onto that base, tagged after it:
/// <c>registry/app:tag-pytorch-23.10-py3</c>. The name depends only on the app image and the service's own base, so
/// each path finds it without knowing the app's other services.
/// </summary>
public static class ServiceImages
{
    /// <summary>The longest tag a registry accepts.</summary>
    public const int MaxTagLength = 128;

    /// <summary>
    /// The image that runs a service on <paramref name="baseImage"/>, given the app image. An image pinned by digest
    /// (<c>repo@sha256:...</c>, as <c>hoist deploy</c> passes the one it pushed for the service) is that service's
    /// exact image already, and is returned as it is.
    /// </summary>
    public static string For(string appImage, string baseImage)
    {
        ArgumentException.ThrowIfNullOrEmpty(appImage);
        if (string.IsNullOrWhiteSpace(baseImage) || baseImage == Settings.ServiceDefaults.Image || appImage.Contains('@', StringComparison.Ordinal))
        {
            return appImage;
        }

        var (registry, repository, tag) = ParseImage(appImage);
        var reference = $"{repository}:{TagFor(tag ?? "latest", baseImage)}";
        return registry is null ? reference : $"{registry}/{reference}";
    }

    /// <summary>The tag of one base image's build: "&lt;tag&gt;-&lt;last segment of the base, sanitised&gt;".</summary>
    public static string TagFor(string tag, string baseImage)
    {
        var (_, repository, baseTag) = ParseImage(baseImage);
        var name = repository[(repository.LastIndexOf('/') + 1)..] + (baseTag is { Length: > 0 } t ? "-" + t : "");
        var text = new StringBuilder(tag).Append('-');
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        var result = text.ToString();
        return result.Length <= MaxTagLength ? result : result[..MaxTagLength];
    }

    /// <summary>
    /// An image reference such as "registry.example/team/app:1.0" split the way Docker does: the first segment is a
    /// registry when it has a '.' or ':' or is "localhost". Null tag when it has none; digests are dropped.
    /// </summary>
    public static (string? Registry, string Repository, string? Tag) ParseImage(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var value = image.Trim();
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            value = value[..at];
        }

        string? registry = null;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var first = value[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                registry = first;
                value = value[(slash + 1)..];
            }
        }

        var colon = value.LastIndexOf(':');
        return colon > value.LastIndexOf('/') && colon >= 0
            ? (registry, value[..colon], value[(colon + 1)..])
            : (registry, value, null);
    }
}

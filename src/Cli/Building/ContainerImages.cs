using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hoist.Hosting;
using Hoist.Manifests;
using Hoist.Configuration;

namespace Hoist.Cli.Building;

/// <summary>Where an image goes: <c>[registry/]repository:tag</c>.</summary>
internal sealed record ImageName(string? Registry, string Repository, string Tag)
{
    public string Reference => $"{RepositoryReference}:{Tag}";

    /// <summary><c>[registry/]repository</c>, what a tag or a digest is appended to.</summary>
    public string RepositoryReference => Registry is { Length: > 0 } registry ? $"{registry}/{Repository}" : Repository;

    public override string ToString() => Reference;
}

/// <summary>One container image to build: the app published onto one base image, for the services that run on it.</summary>
internal sealed record ImageBuild(string BaseImage, bool SelfContained, ImageName Image, IReadOnlyList<string> Services)
{
    /// <summary>The nodes' platform (Hoist:Kubernetes:RuntimeIdentifier), not the build machine's: an image built on an arm64 laptop runs on x64 nodes.</summary>
    public string RuntimeIdentifier { get; init; } = ContainerImages.LinuxRuntime;
}

/// <summary>
/// The pure half of <c>hoist deploy</c>'s image build: which images to make (one per distinct
/// <c>[Compute(Image)]</c> base image), whether each must be self-contained (a base image without .NET), and
/// the exact <c>dotnet publish -t:PublishContainer</c> command line for each.
/// </summary>
internal static partial class ContainerImages
{
    /// <summary>The SDK's target; it returns one GeneratedContainer item whose ManifestDigest is the pushed manifest's digest.</summary>
    public const string PublishTarget = "PublishContainer";

    /// <summary>Microsoft's .NET images: they carry the runtime, so a framework-dependent app runs on them.</summary>
    public const string DotnetImagePrefix = BaseImages.DotnetImagePrefix;

    /// <summary>The default runtime an image is built for: the cluster's nodes, x64 unless Hoist:Kubernetes:RuntimeIdentifier says otherwise.</summary>
    public const string LinuxRuntime = KubernetesBackendOptions.DefaultRuntimeIdentifier;

    public const int MaxTagLength = ServiceImages.MaxTagLength;

    /// <summary>True unless the base image is one of Microsoft's .NET images, which already hold the runtime.</summary>
    public static bool NeedsSelfContained(string baseImage) => !BaseImages.CarriesDotnet(baseImage);

    /// <summary>
    /// "host[:port][/path]" as --registry takes it: the registry host, and the repository path under it
    /// (empty when none). The first segment is always the host, as for <c>docker push</c> with a registry.
    /// </summary>
    public static (string Registry, string RepositoryPrefix) ParseRegistry(string registry)
    {
        var value = registry.Trim().TrimEnd('/');
        foreach (var scheme in new[] { "https://", "http://", "docker://" })
        {
            if (value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                value = value[scheme.Length..];
            }
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (value.Length == 0 || slash == 0)
        {
            throw new FormatException($"'{registry}' is not a registry: expected host[:port][/path], e.g. ghcr.io/you or localhost:5000.");
        }

        return slash < 0 ? (value, "") : (value[..slash], value[(slash + 1)..].ToLowerInvariant());
    }

    /// <summary>An image reference split the way Docker does (<see cref="ServiceImages.ParseImage"/>).</summary>
    public static (string? Registry, string Repository, string? Tag) ParseImage(string image) => ServiceImages.ParseImage(image);

    /// <summary>The repository name for an app: its name in lower case, with what image names forbid made '-'.</summary>
    public static string Repository(string appName)
    {
        var text = new StringBuilder(appName.Length);
        foreach (var c in appName.ToLowerInvariant())
        {
            text.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-' ? c : '-');
        }

        var name = text.ToString().Trim('-', '.', '_');
        return name.Length == 0 ? "app" : name;
    }

    /// <summary>A tag that sorts by time and changes on every deploy, so Kubernetes rolls the pods: "20250314-093000".</summary>
    public static string DefaultTag(DateTimeOffset now) => now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>
    /// One build per distinct base image, in the order the services first name them, each named as
    /// <see cref="ServiceImages.For"/> names the image of a service on that base: <paramref name="repository"/>:<paramref name="tag"/>
    /// on the default base, and a tag that also names the base ("1.0-pytorch-23.10-py3") on any other, so the manifests
    /// rendered anywhere else name the images deploy pushes.
    /// </summary>
    public static IReadOnlyList<ImageBuild> Plan(IReadOnlyList<ServiceDescriptor> services, string? registry, string repository, string tag, string runtimeIdentifier = LinuxRuntime)
    {
        ArgumentNullException.ThrowIfNull(services);
        var groups = services.GroupBy(s => s.Compute.Image, StringComparer.Ordinal).ToArray();
        return groups.Select(g => new ImageBuild(
                g.Key,
                NeedsSelfContained(g.Key),
                new ImageName(registry is { Length: > 0 } ? registry : null, repository, ServiceImages.ParseImage(ServiceImages.For($"{repository}:{tag}", g.Key)).Tag!),
                g.Select(s => s.Name).ToArray())
            {
                RuntimeIdentifier = runtimeIdentifier,
            })
            .ToArray();
    }

    /// <summary>
    /// <c>dotnet publish &lt;project&gt; -c Release -t:PublishContainer</c> onto the build's base image, pushed to its
    /// registry (the SDK pushes when ContainerRegistry is set), for the build's runtime identifier on both paths:
    /// self-contained when the base has no .NET, else framework-dependent on the base image's matching platform.
    /// </summary>
    /// <remarks>
    /// With <paramref name="resultFile"/>, MSBuild also writes the target's result there as JSON (the console keeps
    /// its ordinary build output), which <see cref="ReadDigest"/> reads.
    /// </remarks>
    public static IReadOnlyList<string> PublishArguments(string project, ImageBuild build, string? resultFile = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(project);
        ArgumentNullException.ThrowIfNull(build);
        var arguments = new List<string>
        {
            "publish", project,
            "-c", "Release",
            "-t:PublishContainer",
            "-nologo",
            $"-p:ContainerBaseImage={build.BaseImage}",
        };
        if (build.Image.Registry is { } registry)
        {
            arguments.Add($"-p:ContainerRegistry={registry}");
        }

        arguments.Add($"-p:ContainerRepository={build.Image.Repository}");
        arguments.Add($"-p:ContainerImageTag={build.Image.Tag}");
        if (build.SelfContained)
        {
            arguments.AddRange(["--self-contained", "-r", build.RuntimeIdentifier]);
        }
        else
        {
            arguments.Add($"-p:ContainerRuntimeIdentifier={build.RuntimeIdentifier}");
        }

        if (resultFile is { Length: > 0 })
        {
            arguments.Add($"-getTargetResult:{PublishTarget}");
            arguments.Add($"-getResultOutputFile:{resultFile}");
        }

        return arguments;
    }

    /// <summary>
    /// The manifest digest of the image <c>PublishContainer</c> pushed, from MSBuild's target result
    /// (<c>{"TargetResults": {"PublishContainer": {"Items": [{"ManifestDigest": "sha256:..."}]}}}</c>, the
    /// GeneratedContainer item of the SDK's Microsoft.NET.Build.Containers.targets). Null when it names none.
    /// </summary>
    public static string? ReadDigest(string targetResultJson)
    {
        using var document = JsonDocument.Parse(targetResultJson);
        if (!document.RootElement.TryGetProperty("TargetResults", out var results)
            || !results.TryGetProperty(PublishTarget, out var result)
            || !result.TryGetProperty("Items", out var items)
            || items.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return items.EnumerateArray()
            .Select(item => item.TryGetProperty("ManifestDigest", out var digest) ? digest.GetString() : null)
            .FirstOrDefault(digest => digest is not null && Digest().IsMatch(digest));
    }

    /// <summary>
    /// The reference the pods run: the pushed image by digest (<c>registry/repository@sha256:...</c>), so every
    /// deploy of new code changes the pod template and rolls the pods even when the tag is reused, and Knative
    /// has no tag to resolve (which fails for registries only the nodes can log in to). By tag when the SDK
    /// reported no digest, or when the image went to the local daemon, which knows it by tag only.
    /// </summary>
    public static string PinnedReference(ImageName image, string? digest)
    {
        ArgumentNullException.ThrowIfNull(image);
        return digest is { Length: > 0 } && Digest().IsMatch(digest) && image.Registry is { Length: > 0 }
            ? $"{image.RepositoryReference}@{digest}"
            : image.Reference;
    }

    // The OCI image spec's digest grammar: algorithm ":" encoded.
    [GeneratedRegex("^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")]
    private static partial Regex Digest();
}

using System.Text;

namespace Hoist.Manifests;

/// <summary>
/// An app's whole manifest folder, the same from <c>dotnet build</c> and <c>hoist manifests</c>: one file per service,
/// the in-cluster controller's when a service needs it, and a <c>kustomization.yaml</c> listing every file, so that
/// <c>kubectl apply -k</c> applies the folder as it is, after the one command that makes the call token Secret
/// (<see cref="TokenCommand"/>), which no manifest may hold. Pure.
/// </summary>
public static class AppManifests
{
    public const string KustomizationFileName = "kustomization.yaml";

    /// <summary>
    /// <paramref name="serviceFiles"/> (rendered from <paramref name="services"/>, with their overrides applied), then the
    /// controller's file when one is needed, then the kustomization that lists them all.
    /// </summary>
    public static IReadOnlyList<ManifestFile> Complete(IReadOnlyList<ServiceDescriptor> services, ManifestOptions options, IReadOnlyList<ManifestFile> serviceFiles)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(serviceFiles);
        var files = new List<ManifestFile>(serviceFiles);
        if (services.Count > 0 && ControllerManifests.File(services, options) is { } controller)
        {
            files.Add(controller);
        }

        files.Add(Kustomization(files, TokenCommands(services, options)));
        return files;
    }

    /// <summary>The namespaces the services run in, in order: where the token Secret must exist.</summary>
    public static IReadOnlyList<string> Namespaces(IEnumerable<ServiceDescriptor> services, ManifestOptions options) =>
        services.SelectMany(s => ManifestRenderer.Render(s, options))
            .Select(o => o.Metadata.NamespaceProperty)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// The one command that makes the app's call token Secret in <paramref name="ns"/> from 32 random bytes, which
    /// <c>hoist deploy</c> otherwise makes; run it once, before the first <c>kubectl apply -k</c>.
    /// </summary>
    public static string TokenCommand(ManifestOptions options, string ns)
    {
        ArgumentNullException.ThrowIfNull(options);
        return $"kubectl create secret generic {options.ResolvedTokenSecretName} -n {ns} --from-literal={ManifestOptions.TokenSecretKey}=\"$(openssl rand -hex 32)\"";
    }

    /// <summary>One <see cref="TokenCommand"/> per namespace of the services.</summary>
    public static IReadOnlyList<string> TokenCommands(IEnumerable<ServiceDescriptor> services, ManifestOptions options) =>
        Namespaces(services, options).Select(ns => TokenCommand(options, ns)).ToArray();

    /// <summary>What the folder needs before it applies: the token Secret, and an image that exists.</summary>
    public static string BeforeApplying(IReadOnlyList<string> tokenCommands, ManifestOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokenCommands);
        ArgumentNullException.ThrowIfNull(options);
        var text = new StringBuilder();
        text.Append("Before kubectl apply -k: create the call token Secret once (").Append(string.Join("; ", tokenCommands)).Append(')');
        if (string.Equals(options.Image, ManifestFiles.DefaultImage(options.AppName), StringComparison.Ordinal))
        {
            text.Append(", and note the manifests run the image ").Append(options.Image)
                .Append(", which nothing built: run hoist deploy (it builds, pushes and applies), or set HoistImage to an image you pushed");
        }

        return text.Append('.').ToString();
    }

    // kustomize's resources are paths relative to the file; each manifest is in the same folder.
    private static ManifestFile Kustomization(IReadOnlyList<ManifestFile> files, IReadOnlyList<string> tokenCommands)
    {
        var yaml = new StringBuilder();
        yaml.Append("# Written by Hoist beside the manifests it lists: kubectl apply -k <this folder>.\n");
        foreach (var command in tokenCommands)
        {
            yaml.Append("# The call token Secret is never in a manifest; create it once first: ").Append(command).Append('\n');
        }

        yaml.Append("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
        foreach (var file in files)
        {
            yaml.Append("- ").Append(file.Name).Append('\n');
        }

        return new ManifestFile(KustomizationFileName, yaml.ToString());
    }
}

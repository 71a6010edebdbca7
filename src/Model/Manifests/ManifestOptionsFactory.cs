using Hoist.Configuration;

namespace Hoist.Manifests;

/// <summary>
/// The renderer's options from the <c>Hoist:Kubernetes</c> settings, for every path that renders: build-time emit
/// (the manifest tool), <c>hoist manifests</c>, <c>hoist deploy</c> and the Kubernetes backend. One precedence
/// everywhere, so the same settings give the same YAML whichever path renders it: a value the caller was given
/// explicitly (a command-line flag, an MSBuild property, the image deploy just pushed, the cluster's namespace),
/// then the setting, then the default.
/// </summary>
public static class ManifestOptionsFactory
{
    /// <param name="kubernetes">The <c>Hoist:Kubernetes</c> section.</param>
    /// <param name="appName">The app's own name (its assembly, or <c>HoistAppName</c>); <c>Hoist:Kubernetes:AppName</c> wins over it.</param>
    /// <param name="image">The app image to run, when the caller has one; else <c>Hoist:Kubernetes:Image</c>, else "&lt;app&gt;:latest".</param>
    /// <param name="namespace">The namespace for services that name none, when the caller has one; else <c>Hoist:Kubernetes:Namespace</c>, else "default".</param>
    /// <param name="entryAssembly">The dll the container runs, when it is not "&lt;app&gt;.dll"; <c>Hoist:Kubernetes:EntryAssembly</c> wins over it.</param>
    /// <param name="settingsFolder">The folder of the appsettings.json the settings came from, which a relative <c>Hoist:Kubernetes:PodTemplate</c> is read from; the current folder when null.</param>
    /// <exception cref="PodTemplateException">The pod template cannot be read, or sets a field Hoist owns.</exception>
    public static ManifestOptions Create(KubernetesBackendOptions kubernetes, string appName, string? image = null, string? @namespace = null, string? entryAssembly = null, string? settingsFolder = null)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        ArgumentException.ThrowIfNullOrEmpty(appName);
        var app = NonEmpty(kubernetes.AppName) ?? appName;
        return new ManifestOptions
        {
            AppName = app,
            Image = NonEmpty(image) ?? NonEmpty(kubernetes.Image) ?? ManifestFiles.DefaultImage(app),
            Namespace = NonEmpty(@namespace) ?? NonEmpty(kubernetes.Namespace) ?? ManifestOptions.DefaultNamespace,
            EntryAssembly = NonEmpty(kubernetes.EntryAssembly) ?? NonEmpty(entryAssembly),
            GrpcPort = kubernetes.GrpcPort,
            RendezvousPort = kubernetes.RendezvousPort,
            TokenSecretName = NonEmpty(kubernetes.TokenSecretName),
            ImagePullPolicy = NonEmpty(kubernetes.ImagePullPolicy),
            ClusterDomain = kubernetes.ClusterDomain,
            StopTimeout = kubernetes.StopTimeout,
            PodTemplate = NonEmpty(kubernetes.PodTemplate) is { } template ? PodTemplate.Load(template, settingsFolder) : null,
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}


namespace Hoist.Manifests;

/// <summary>
/// An app's manifests as files: one <c>&lt;service&gt;.yaml</c> per service, each holding every object that
/// runs it. Rendering is pure; <see cref="Write"/> is the only I/O, and it leaves an unchanged file alone so
/// that whatever watches the folder sees only real changes.
/// </summary>
public static class ManifestFiles
{
    public const string Extension = ".yaml";

    /// <summary>The image build-time manifests name when none is configured: "&lt;app in lower case&gt;:latest".</summary>
    public static string DefaultImage(string appName)
    {
        ArgumentException.ThrowIfNullOrEmpty(appName);
        return appName.ToLowerInvariant() + ":latest";
    }

    public static string FileName(ServiceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return descriptor.Name + Extension;
    }

    /// <summary>
    /// One file per descriptor, in the order given, with the overrides for its name (the <c>Hoist:Services</c>
    /// section) applied first, exactly as the backends apply them at deploy time.
    /// </summary>
    /// <exception cref="ServiceSettingsException">An override breaks the settings rules; each problem names its key.</exception>
    /// <exception cref="ArgumentException">The options cannot be rendered; the message names the service.</exception>
    public static IReadOnlyList<ManifestFile> Render(
        IEnumerable<ServiceDescriptor> descriptors,
        ManifestOptions options,
        IReadOnlyDictionary<string, ServiceOverrides>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        ArgumentNullException.ThrowIfNull(options);
        var files = new List<ManifestFile>();
        foreach (var declared in descriptors)
        {
            var descriptor = Effective(declared, overrides);
            files.Add(new ManifestFile(FileName(descriptor), ManifestYaml.Serialize(ManifestRenderer.Render(descriptor, options))));
        }

        return files;
    }

    /// <summary>A service as it renders: <paramref name="declared"/> with the overrides for its name applied.</summary>
    /// <exception cref="ServiceSettingsException">An override breaks the settings rules.</exception>
    public static ServiceDescriptor Effective(ServiceDescriptor declared, IReadOnlyDictionary<string, ServiceOverrides>? overrides)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return ServiceSettings.Apply(declared, overrides is not null && overrides.TryGetValue(declared.Name, out var serviceOverrides) ? serviceOverrides : null);
    }

    /// <summary>
    /// Writes <paramref name="files"/> into <paramref name="directory"/> (created when missing) as UTF-8 without
    /// a byte order mark. Returns the full paths of all of them, written or already up to date.
    /// </summary>
    public static IReadOnlyList<string> Write(string directory, IEnumerable<ManifestFile> files)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        foreach (var file in files)
        {
            var path = Path.GetFullPath(Path.Combine(directory, file.Name));
            if (!File.Exists(path) || File.ReadAllText(path) != file.Content)
            {
                File.WriteAllText(path, file.Content);
            }

            paths.Add(path);
        }

        return paths;
    }
}

/// <summary>One manifest file: its name inside the manifests folder and its YAML.</summary>
public sealed record ManifestFile(string Name, string Content);

using k8s.Models;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Which versions of the Kubernetes Secrets a service's [Secret]s name its pods start with. A container reads a Secret
/// into its environment only when it starts, and a new value changes no pod spec, so a rotated secret alone would never
/// reach running pods. The digest of the Secrets' versions, stamped on each pod template at deploy time
/// (<see cref="DeployTimeAnnotations.SecretsDigest"/>), changes with any of them, which rolls the pods: a new
/// ReplicaSet, a new Knative revision, a whole-group restart for a StatefulSet. A Secret counts by its uid and
/// resourceVersion, which change with every write to it (or its re-creation) and say nothing of its values.
/// </summary>
internal static class SecretVersions
{
    /// <summary>The Secrets the service names, each once, in order.</summary>
    public static IReadOnlyList<string> Names(ServiceDescriptor descriptor) =>
        descriptor.Secrets.Select(s => s.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The digest of <paramref name="secrets"/> as read, by name (null: absent, or not readable with this identity, which
    /// <see cref="ClusterClient.ReadSecretAsync"/> warns about); null for a service that names no Secret. Pure.
    /// </summary>
    public static string? Digest(IReadOnlyList<string> names, IReadOnlyDictionary<string, V1Secret?> secrets)
    {
        if (names.Count == 0)
        {
            return null;
        }

        var versions = names.Select(name => secrets.GetValueOrDefault(name)?.Metadata is { } metadata
            ? $"{name} {metadata.Uid} {metadata.ResourceVersion}"
            : $"{name} absent");
        return DeployTimeAnnotations.Digest(string.Join('\n', versions));
    }

    /// <summary>Reads the service's Secrets in <paramref name="ns"/> and returns their digest (<see cref="Digest"/>).</summary>
    public static async Task<string?> ReadDigestAsync(ClusterClient cluster, string ns, ServiceDescriptor descriptor, CancellationToken cancellationToken)
    {
        var names = Names(descriptor);
        var secrets = new Dictionary<string, V1Secret?>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            secrets[name] = await cluster.ReadSecretAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }

        return Digest(names, secrets);
    }
}

using System.Security.Cryptography;
using System.Text;
using Hoist.Manifests;
using k8s;
using k8s.Models;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// What the backend adds to the rendered objects when it applies them, and nothing else: a digest of the call
/// token on each pod template (workers read the token from the Secret only when they start, so a new token must
/// restart them; a changed digest makes Kubernetes roll the pods, a new revision for Knative), and on the workload
/// itself the same token digest and a digest of the service's effective settings, by which an app that starts later
/// recognises a service it may use as it is (<see cref="Adoption"/>). The versions of the Secrets its [Secret]s name
/// go on both the same way (<see cref="SecretVersions"/>): a rotated secret rolls the pods too.
/// </summary>
internal static class DeployTimeAnnotations
{
    public const string TokenDigest = "hoist.dev/token-sha256";

    /// <summary>On the workload: the digest of the effective descriptor it was applied from (<see cref="DescriptorDigest"/>).</summary>
    public const string SettingsDigest = "hoist.dev/settings-sha256";

    /// <summary>On each pod template and the workload: the digest of the versions of the Secrets the service names (<see cref="SecretVersions"/>).</summary>
    public const string SecretsDigest = "hoist.dev/secrets-sha256";

    /// <summary>The first 16 hex digits of the token's SHA-256: enough to notice a change, useless for guessing the token.</summary>
    public static string Digest(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..16];

    /// <summary>
    /// The digest of a service's effective settings: its descriptor (methods, resources, scaling, environment, with
    /// the overrides applied) and its CallTimeout, which the descriptor's JSON does not carry. Not the image: which
    /// build runs is what <c>hoist deploy</c> decides.
    /// </summary>
    public static string DescriptorDigest(ServiceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var text = ServiceDescriptorJson.Serialize(descriptor) + "\n" + descriptor.CallTimeout?.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Digest(text);
    }

    /// <summary>The token's digest on every pod template of <paramref name="value"/> only: the in-cluster controller's, which reads the token at start.</summary>
    public static void StampToken(IKubernetesObject<V1ObjectMeta> value, string tokenDigest)
    {
        foreach (var metadata in PodTemplates(value))
        {
            metadata.Annotations ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
            metadata.Annotations[TokenDigest] = tokenDigest;
        }
    }

    /// <summary>
    /// Stamps the token's digest on every pod template and, on the workload, the token's and the settings' digests; and
    /// the Secrets' digest, when the service names any, on every pod template that gets them (Ray's workers too) and the workload.
    /// </summary>
    public static void Stamp(IKubernetesObject<V1ObjectMeta> value, string tokenDigest, string settingsDigest, string? secretsDigest = null)
    {
        foreach (var metadata in PodTemplates(value))
        {
            metadata.Annotations ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
            metadata.Annotations[TokenDigest] = tokenDigest;
            value.Metadata.Annotations ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
            value.Metadata.Annotations[TokenDigest] = tokenDigest;
            value.Metadata.Annotations[SettingsDigest] = settingsDigest;
            if (secretsDigest is not null)
            {
                value.Metadata.Annotations[SecretsDigest] = secretsDigest;
            }
        }

        if (secretsDigest is null)
        {
            return;
        }

        foreach (var metadata in WorkloadKinds.Of(value)?.SecretTemplates(value) ?? [])
        {
            metadata.Annotations ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
            metadata.Annotations[SecretsDigest] = secretsDigest;
        }
    }

    /// <summary>The Secret the workers read HOIST_TOKEN from, as binary data so that applying it twice is a no-op.</summary>
    public static V1Secret TokenSecret(ManifestOptions options, string token, string ns)
    {
        var secret = ManifestRenderer.RenderTokenSecret(options, token, ns);
        secret.Data = new SortedDictionary<string, byte[]>(StringComparer.Ordinal) { [ManifestOptions.TokenSecretKey] = Encoding.UTF8.GetBytes(token) };
        secret.StringData = null;
        return secret;
    }

    // The controller's Deployment is no service's, and its token digest goes on its template the same way.
    private static IEnumerable<V1ObjectMeta> PodTemplates(IKubernetesObject<V1ObjectMeta> value) => WorkloadKinds.Of(value)?.TokenTemplates(value) ?? [];
}

using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Backends.Kubernetes;

/// <summary>Whether an app uses a service already on the cluster as it is, and why (for the log).</summary>
internal sealed record AdoptionDecision(bool Adopt, string Reason);

/// <summary>
/// An app started with <c>Hoist:Backend=kubernetes</c> against a service that <c>hoist deploy</c> (or another run)
/// already put there: use it as it is when it is this app's, ready, applied from the same effective settings and
/// versions of its Secrets, and serving the token this app calls with. Applying instead would roll it back to this process's image settings,
/// undoing the image deploy pushed. Anything else (absent, another app's, other settings or token, not ready) is
/// applied as rendered. Pure, over the live workload's metadata and readiness.
/// </summary>
internal static class Adoption
{
    public static AdoptionDecision Decide(ServiceLayout layout, V1ObjectMeta? live, Readiness? readiness, string settingsDigest, string tokenDigest, string? secretsDigest = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (live is null)
        {
            return new(false, "not on the cluster yet");
        }

        IReadOnlyDictionary<string, string> labels = live.Labels?.AsReadOnly() ?? new Dictionary<string, string>().AsReadOnly();
        IReadOnlyDictionary<string, string> annotations = live.Annotations?.AsReadOnly() ?? new Dictionary<string, string>().AsReadOnly();
        if (labels.GetValueOrDefault(ManifestLabels.ManagedBy) != ManifestLabels.ManagedByHoist || labels.GetValueOrDefault(ManifestLabels.Instance) != layout.Instance)
        {
            return new(false, "the workload there is not this app's");
        }

        if (live.DeletionTimestamp is not null)
        {
            return new(false, "the workload there is being deleted");
        }

        if (annotations.GetValueOrDefault(DeployTimeAnnotations.SettingsDigest) != settingsDigest)
        {
            return new(false, "it was applied from other settings or code (methods, resources, scaling or environment differ)");
        }

        if (annotations.GetValueOrDefault(DeployTimeAnnotations.TokenDigest) != tokenDigest)
        {
            return new(false, "its workers hold another call token");
        }

        if (annotations.GetValueOrDefault(DeployTimeAnnotations.SecretsDigest) != secretsDigest)
        {
            return new(false, "its workers started with other versions of its Secrets");
        }

        return readiness is { IsReady: true }
            ? new(true, $"it is ready with the same settings ({readiness.Detail}); its image stays as deployed")
            : new(false, $"it is not ready ({readiness?.Detail ?? "no status"})");
    }
}

using k8s.Models;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>What one round of the election found: whether this controller leads, and the Lease to write for it (null: nothing).</summary>
internal sealed record LeaseDecision(bool Leads, V1Lease? Write, bool Create, string? Holder);

/// <summary>
/// Lease-based leader election among an app's controllers in a namespace, as client-go's leaderelection does it: one
/// coordination.k8s.io Lease named after the controller, held by the pod that renews it. Two controllers at once (a
/// <c>kubectl scale</c>, a partition, the old pod of a rollout still running) would otherwise fight over <c>/scale</c>;
/// only the holder ticks and holds calls. A holder that stops renewing loses the Lease after
/// <see cref="LeaseDuration"/>. Pure: the Lease as read, this pod's identity and the time; the controller writes the
/// answer with the read's resourceVersion, so of two that both try, the API lets one win (409 for the other).
/// </summary>
internal static class LeaderElection
{
    /// <summary>How long a Lease holds without renewal; the controller renews it every tick (2 s).</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);

    /// <summary>The round's decision over <paramref name="current"/> (null: no Lease yet) for <paramref name="identity"/> at <paramref name="now"/>.</summary>
    public static LeaseDecision Decide(V1Lease? current, string name, string ns, string identity, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(identity);
        var durationSeconds = (int)LeaseDuration.TotalSeconds;
        if (current is null)
        {
            return new LeaseDecision(true, new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Spec = new V1LeaseSpec { HolderIdentity = identity, LeaseDurationSeconds = durationSeconds, AcquireTime = now.UtcDateTime, RenewTime = now.UtcDateTime, LeaseTransitions = 0 },
            }, Create: true, identity);
        }

        var spec = current.Spec ?? new V1LeaseSpec();
        var holder = spec.HolderIdentity;
        if (string.Equals(holder, identity, StringComparison.Ordinal))
        {
            return new LeaseDecision(true, Renewed(current, spec, identity, now, acquired: spec.AcquireTime ?? now.UtcDateTime, spec.LeaseTransitions ?? 0), Create: false, identity);
        }

        if (holder is { Length: > 0 } && !Expired(spec, now))
        {
            return new LeaseDecision(false, null, Create: false, holder);
        }

        // Nobody holds it, or its holder stopped renewing: take it over, counting the transition.
        return new LeaseDecision(true, Renewed(current, spec, identity, now, acquired: now.UtcDateTime, (spec.LeaseTransitions ?? 0) + 1), Create: false, identity);
    }

    /// <summary>Whether the holder's last renewal is older than its lease duration at <paramref name="now"/>.</summary>
    public static bool Expired(V1LeaseSpec spec, DateTimeOffset now)
    {
        var renewed = spec.RenewTime ?? spec.AcquireTime;
        var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? (int)LeaseDuration.TotalSeconds);
        return renewed is not { } at || now - new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) >= duration;
    }

    private static V1Lease Renewed(V1Lease current, V1LeaseSpec spec, string identity, DateTimeOffset now, DateTime acquired, int transitions) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",

        // The resourceVersion read: a replace that another controller beat to it fails with 409.
        Metadata = new V1ObjectMeta
        {
            Name = current.Metadata.Name,
            NamespaceProperty = current.Metadata.NamespaceProperty,
            ResourceVersion = current.Metadata.ResourceVersion,
            Labels = current.Metadata.Labels,
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = spec.LeaseDurationSeconds ?? (int)LeaseDuration.TotalSeconds,
            AcquireTime = acquired,
            RenewTime = now.UtcDateTime,
            LeaseTransitions = transitions,
        },
    };
}

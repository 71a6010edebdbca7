namespace Hoist;

/// <summary>
/// The part of a service's descriptor its workers are launched with: <c>[Compute]</c>, <c>[Distribute]</c>,
/// <c>[Env]</c>, <c>[Secret]</c>, <c>[Setup]</c> and <c>[Volume]</c>. New code that changes any of them cannot be
/// synced into running workers, which would go on with the old setting; it needs fresh ones. The methods and their
/// bodies are code, and <c>[Autoscale]</c> is the caller's: neither is a launch setting.
/// </summary>
internal static class LaunchAttributes
{
    /// <summary>The launch settings that differ between the descriptor the workers started from and the new one, by attribute.</summary>
    public static IReadOnlyList<string> Changes(ServiceDescriptor launched, ServiceDescriptor next)
    {
        var changes = new List<string>();
        if (launched.Compute != next.Compute)
        {
            changes.Add("[Compute]");
        }

        if (launched.Distribution != next.Distribution)
        {
            changes.Add(launched.Distribution is { } before && next.Distribution is { } after && before.Type == after.Type
                ? $"[Distribute] Workers {before.Workers} -> {after.Workers}"
                : "[Distribute]");
        }

        if (!launched.Environment.SequenceEqual(next.Environment))
        {
            changes.Add("[Env]");
        }

        if (!launched.Secrets.SequenceEqual(next.Secrets))
        {
            changes.Add("[Secret]");
        }

        if (!launched.Setup.SequenceEqual(next.Setup, StringComparer.Ordinal))
        {
            changes.Add("[Setup]");
        }

        if (!launched.Volumes.SequenceEqual(next.Volumes))
        {
            changes.Add("[Volume]");
        }

        return changes;
    }
}

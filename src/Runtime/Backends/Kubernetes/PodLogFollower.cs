using System.Text;
using k8s;
using k8s.Models;

namespace Hoist.Backends.Kubernetes;

/// <summary>
/// Streams the worker container's log of every pod of a service through the API server, one stream per
/// pod, picking up pods that start later (a scale-up, a restart). In a pod, a worker's log records, stdout
/// and stderr all go to its container log, so this is how they reach a caller outside the cluster. The
/// runtime forwards them into the caller's logger; <c>hoist logs</c> prints them.
/// </summary>
internal static class PodLogFollower
{
    public static readonly TimeSpan PodPollInterval = TimeSpan.FromSeconds(2);

    /// <summary>Follows until <paramref name="cancellationToken"/> fires; <paramref name="onLine"/> gets (pod, line).</summary>
    public static async Task FollowAsync(
        ClusterClient cluster,
        string @namespace,
        string podSelector,
        int? tail,
        Action<string, string> onLine,
        Action<string, string>? onNoLog,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var following = new Dictionary<string, Task>(StringComparer.Ordinal);

        // The time of the last line shown from each pod: a follow that dropped (the API server ends long
        // streams) resumes after it instead of replaying the whole log.
        var shownUntil = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        try
        {
            while (true)
            {
                var pods = await cluster.ListPodsAsync(@namespace, podSelector, cancellationToken).ConfigureAwait(false);
                foreach (var pod in pods.Where(p => p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null && !following.ContainsKey(p.Metadata.Name)))
                {
                    var name = pod.Metadata.Name;
                    var after = shownUntil.TryGetValue(name, out var last) ? last : (DateTimeOffset?)null;
                    following[name] = CopyAsync(
                        cluster,
                        pod,
                        follow: true,
                        after is null ? tail : null,
                        onLine,
                        onNoLog,
                        cancellationToken,
                        after,
                        time,
                        at => shownUntil[name] = at);
                }

                await Task.Delay(PodPollInterval, time, cancellationToken).ConfigureAwait(false);

                // A stream ends when its container does: a pod that is still running (restarted) is followed again.
                foreach (var done in following.Where(f => f.Value.IsCompleted).Select(f => f.Key).ToArray())
                {
                    following.Remove(done);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// One pod's log, to its end or (following) until the pod goes away. With <paramref name="after"/>, only the
    /// lines logged after that time: the request asks for the seconds since then, and the kubelet's timestamps
    /// on each line drop the ones already shown within the same second.
    /// </summary>
    public static async Task CopyAsync(
        ClusterClient cluster,
        V1Pod pod,
        bool follow,
        int? tail,
        Action<string, string> onLine,
        Action<string, string>? onNoLog,
        CancellationToken cancellationToken,
        DateTimeOffset? after = null,
        TimeProvider? time = null,
        Action<DateTimeOffset>? shown = null)
    {
        var name = pod.Metadata.Name;
        int? sinceSeconds = after is { } since ? (int)Math.Ceiling(((time ?? TimeProvider.System).GetUtcNow() - since).TotalSeconds) + 1 : null;
        try
        {
            using var stream = await cluster.Api.CoreV1.ReadNamespacedPodLogAsync(
                name,
                pod.Metadata.NamespaceProperty,
                container: WorkerContainer(pod),
                follow: follow,
                tailLines: tail,
                sinceSeconds: sinceSeconds,
                timestamps: true,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } raw)
            {
                var (at, line) = PodLogLine.Parse(raw);
                if (at is { } stamped)
                {
                    if (stamped <= after)
                    {
                        continue;
                    }

                    shown?.Invoke(stamped);
                }

                onLine(name, line);
            }
        }
        catch (k8s.Autorest.HttpOperationException ex) when (!follow || ex.Response.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.NotFound)
        {
            // A pod still starting (400: container is waiting) or already gone (404) has no log to show.
            onNoLog?.Invoke(name, ex.Response.Content ?? ex.Message);
        }
        catch (IOException) when (follow)
        {
            // The stream closed as the pod went away: nothing more to show.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The container that runs the worker: "worker", else the pod's first (a Ray pod's, say).</summary>
    public static string? WorkerContainer(V1Pod pod) =>
        pod.Spec?.Containers?.FirstOrDefault(c => c.Name == Hoist.Manifests.WorkerContainer.Name)?.Name ?? pod.Spec?.Containers?.FirstOrDefault()?.Name;
}

/// <summary>A container log line as the kubelet sends it with <c>timestamps=true</c>: an RFC 3339 time, a space, the line.</summary>
internal static class PodLogLine
{
    public static (DateTimeOffset? At, string Text) Parse(string raw)
    {
        var space = raw.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return (null, raw);
        }

        // The kubelet writes nanoseconds; .NET reads up to seven fractional digits.
        var stamp = raw[..space];
        var dot = stamp.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && stamp.EndsWith('Z') && stamp.Length - dot - 2 > 7)
        {
            stamp = stamp[..(dot + 8)] + "Z";
        }

        return DateTimeOffset.TryParse(stamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var at)
            && stamp.Length >= 20 && stamp[4] == '-' && stamp[10] == 'T'
            ? (at, raw[(space + 1)..])
            : (null, raw);
    }
}

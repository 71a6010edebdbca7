using Grpc.Core;
using Hoist.Manifests;
using Hoist.Protocol;
using Hoist.Transport;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Hoist.Backends.Kubernetes.Controller;

/// <summary>
/// One pod the probe asks: where its worker listens (null when the pod has no IP yet), and whether its silence
/// leaves the workload's load unknown (<see cref="Required"/>: a ready pod, which may be running calls).
/// </summary>
internal sealed record LoadTarget(string Pod, Uri? Address, bool Required);

/// <summary>What one pod answered: its load, or why there is none.</summary>
internal sealed record PodLoad(LoadTarget Target, WorkerLoad? Load, string? Failure = null);

/// <summary>
/// The calls a workload's pods run, as far as they answered. A ready pod that did not answer (no IP, too slow, an
/// image without GetLoad) may be running a call, so <see cref="IsIdle"/> holds only when every one answered.
/// </summary>
internal sealed record WorkloadLoad(IReadOnlyList<PodLoad> Pods)
{
    public int InFlight => Pods.Sum(p => p.Load?.InFlight ?? 0);

    /// <summary>The running pods that are ready, by name: where a set of ordinal blocks reads which groups are whole.</summary>
    public IEnumerable<string> ReadyPods => Pods.Where(p => p.Target.Required).Select(p => p.Target.Pod);

    public int Answered => Pods.Count(p => p.Load is not null);

    /// <summary>The ready pods that did not answer: their calls are unknown, not zero.</summary>
    public int Unknown => Pods.Count(p => p.Target.Required && p.Load is null);

    /// <summary>Calls started on the pods that answered: between two readings of the same pods, a change is activity.</summary>
    public ulong CallsStarted => Pods.Aggregate(0UL, (sum, p) => sum + (p.Load?.CallsStarted ?? 0));

    /// <summary>No call runs on any pod, and every ready pod said so.</summary>
    public bool IsIdle => Unknown == 0 && InFlight == 0;

    /// <summary>When the last of the answering pods went idle; null unless <see cref="IsIdle"/> or when none answered.</summary>
    public DateTimeOffset? IdleSince
    {
        get
        {
            var latest = Pods.Select(p => p.Load?.IdleSinceUnixMs ?? 0).DefaultIfEmpty().Max();
            return IsIdle && latest > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(latest) : null;
        }
    }
}

/// <summary>
/// Reads the calls in flight from a workload's worker pods, for the controller's scale-to-zero: the activity Lease
/// says when a caller last called, not whether a long call still runs. Each pod is asked directly at its IP, in
/// parallel, with a short deadline (GetLoad needs no token: it returns counts only). Which pods and where
/// are pure (<see cref="Targets"/>); <see cref="ReadAsync(IReadOnlyList{V1Pod}, TimeSpan, CancellationToken)"/> is the I/O.
/// </summary>
internal sealed partial class WorkerLoadProbe(IKubernetes client, ILogger<WorkerLoadProbe> logger)
{
    /// <summary>How long a pod has to answer: a worker answers from counters, so a slower one is taken as silent.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    // Pods already warned about: a silent pod keeps its workload from zero, which must be said, but once, not every 2 s.
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    /// <summary>Lists the workload's pods and reads each one's load.</summary>
    public async Task<WorkloadLoad> ReadAsync(ScaledWorkload workload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var pods = await client.CoreV1.ListNamespacedPodAsync(workload.Namespace, labelSelector: workload.PodSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var load = await ReadAsync(pods.Items.ToArray(), Deadline, cancellationToken).ConfigureAwait(false);
        foreach (var silent in load.Pods.Where(p => p.Target.Required && p.Load is null))
        {
            if (FirstSilence(_warned, $"{workload.Namespace}/{silent.Target.Pod}"))
            {
                LogSilent(logger, workload.Namespace, silent.Target.Pod, silent.Failure ?? "no answer", workload.Name);
            }
        }

        return load;
    }

    /// <summary>Whether <paramref name="pod"/> is silent for the first time (and is now remembered as warned about). Pure but for the set.</summary>
    public static bool FirstSilence(HashSet<string> warned, string pod)
    {
        ArgumentNullException.ThrowIfNull(warned);
        lock (warned)
        {
            return warned.Add(pod);
        }
    }

    /// <summary>Asks every pod of <see cref="Targets"/> at once; a pod's failure is its <see cref="PodLoad.Failure"/>, never an exception.</summary>
    public static async Task<WorkloadLoad> ReadAsync(IReadOnlyList<V1Pod> pods, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(Targets(pods).Select(target => AskAsync(target, deadline, cancellationToken))).ConfigureAwait(false);
        return new WorkloadLoad(answers);
    }

    /// <summary>
    /// The pods to ask, in name order: each running pod not being deleted. A ready one must answer; one that is
    /// running but not ready is asked too (a worker busy with a long call can miss its readiness probe, and its
    /// calls count), but its silence is not taken as unknown, or a pod that never gets ready would keep its
    /// workload up forever. A pod leaving already drains its calls, whatever the workload's replicas become. Pure.
    /// </summary>
    public static IReadOnlyList<LoadTarget> Targets(IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var all = pods.ToArray();
        var ready = WorkerRoutes.ReadyPods(all).ToHashSet(StringComparer.Ordinal);
        return all
            .Where(p => p.Metadata?.DeletionTimestamp is null && p.Status?.Phase == "Running")
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Select(p => new LoadTarget(
                p.Metadata.Name,
                p.Status.PodIP is { Length: > 0 } ip ? WorkerRoutes.PodAddress(ip, WorkerPort(p)) : null,
                ready.Contains(p.Metadata.Name)))
            .ToArray();
    }

    /// <summary>
    /// The port the pod's worker listens on: its container port named "grpc", as rendered from the app's GrpcPort,
    /// which the controller, running no app settings, cannot know otherwise; the default when none is named so. Pure.
    /// </summary>
    public static int WorkerPort(V1Pod pod) =>
        pod?.Spec?.Containers?
            .SelectMany(c => c.Ports ?? [])
            .FirstOrDefault(p => p.Name == WorkerContainer.GrpcPortName)?.ContainerPort
        ?? ManifestOptions.DefaultGrpcPort;

    private static async Task<PodLoad> AskAsync(LoadTarget target, TimeSpan deadline, CancellationToken cancellationToken)
    {
        if (target.Address is not { } address)
        {
            return new PodLoad(target, null, "the pod has no IP");
        }

        using var channel = WorkerChannels.Create(address, socketPath: null);
        try
        {
            var load = await new Protocol.Worker.WorkerClient(channel)
                .GetLoadAsync(new GetLoadRequest(), deadline: DateTime.UtcNow + deadline, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return new PodLoad(target, load);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Unimplemented from a worker image older than GetLoad: its load is as unknown as a silent pod's.
            return new PodLoad(target, null, $"{ex.StatusCode}: {ex.Status.Detail}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pod {Namespace}/{Pod} did not report its calls in flight ({Reason}), so {Workload} counts as busy and does not scale to zero while it is silent. A NetworkPolicy that denies ingress must admit the controller to the worker port (the manifests' <workload>-from-hoist-controller policy does).")]
    private static partial void LogSilent(ILogger logger, string @namespace, string pod, string reason, string workload);
}

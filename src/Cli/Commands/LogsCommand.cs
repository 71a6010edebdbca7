using System.CommandLine;
using System.Text;
using Hoist.Cli.Cluster;
using k8s;
using k8s.Models;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist logs &lt;service&gt; [-f]</c>: every pod's worker log, each line prefixed with its pod. With -f it
/// keeps following, and picks up pods that start later (a scale-up, a restart) until Ctrl+C.
/// </summary>
internal sealed class LogsCommand : Command
{
    private static readonly TimeSpan PodPollInterval = TimeSpan.FromSeconds(2);

    private readonly Argument<string> _service = new Argument<string>("service") { Description = "The service whose logs to show." }.Validated();

    private readonly Option<bool> _follow = new("--follow", "-f") { Description = "Keep streaming new lines, from new pods too, until Ctrl+C." };

    private readonly Option<int?> _tail = new("--tail")
    {
        Description = "Lines to show from the end of each pod's log. Default: all, or 10 with --follow.",
    };

    public LogsCommand(CliContextFactory contexts)
        : base("logs", "Show a service's logs from all its pods, each line prefixed with its pod's name.")
    {
        Arguments.Add(_service);
        Options.Add(_follow);
        Options.Add(_tail);
        _tail.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0)
            {
                result.AddError("--tail must be 0 or more");
            }
        });
        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(string Service, bool Follow, int? Tail);

    public Settings Read(ParseResult parse) => new(parse.GetRequiredValue(_service), parse.GetValue(_follow), parse.GetValue(_tail));

    /// <summary>"[pod] line": which pod said it, then what it said.</summary>
    public static string Prefix(string pod, string line) => $"[{pod}] {line}";

    /// <summary>The container that runs the worker: "worker", else the pod's first (a Ray pod's, say).</summary>
    public static string? WorkerContainer(V1Pod pod) =>
        pod.Spec?.Containers?.FirstOrDefault(c => c.Name == Hoist.Manifests.WorkerContainer.Name)?.Name ?? pod.Spec?.Containers?.FirstOrDefault()?.Name;

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var hoist = context.LoadSettings();
        using var target = ClusterAccess.Connect(hoist.Kubernetes);
        var rows = await ServiceInventory.ListAsync(target.Cluster, target.Namespace, settings.Service, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw StatusCommand.NotDeployed(settings.Service, target.Namespace);
        }

        var pods = await ServiceInventory.PodsAsync(target.Cluster, target.Namespace, settings.Service, cancellationToken).ConfigureAwait(false);
        if (!settings.Follow)
        {
            if (pods.Count == 0)
            {
                await context.Error.WriteLineAsync($"Service '{settings.Service}' has no pods now ({rows[0].State}).").ConfigureAwait(false);
            }

            foreach (var pod in pods)
            {
                await CopyAsync(context, target, pod, follow: false, settings.Tail, cancellationToken).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }

        // Follow: one stream per pod, and every PodPollInterval a look for pods that came since.
        var following = new Dictionary<string, Task>(StringComparer.Ordinal);
        if (pods.Count == 0)
        {
            await context.Error.WriteLineAsync($"Service '{settings.Service}' has no pods now ({rows[0].State}); waiting for some...").ConfigureAwait(false);
        }

        try
        {
            while (true)
            {
                foreach (var pod in pods.Where(p => p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null && !following.ContainsKey(p.Metadata.Name)))
                {
                    following[pod.Metadata.Name] = CopyAsync(context, target, pod, follow: true, settings.Tail ?? 10, cancellationToken);
                }

                await Task.Delay(PodPollInterval, context.Time, cancellationToken).ConfigureAwait(false);
                pods = await ServiceInventory.PodsAsync(target.Cluster, target.Namespace, settings.Service, cancellationToken).ConfigureAwait(false);

                // A stream ends when its container does: a pod that is still running (restarted) is followed again.
                foreach (var done in following.Where(f => f.Value.IsCompleted).Select(f => f.Key).ToArray())
                {
                    following.Remove(done);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
    }

    private static async Task CopyAsync(CliContext context, ClusterTarget target, V1Pod pod, bool follow, int? tail, CancellationToken cancellationToken)
    {
        var name = pod.Metadata.Name;
        try
        {
            using var stream = await target.Cluster.Api.CoreV1.ReadNamespacedPodLogAsync(
                name, pod.Metadata.NamespaceProperty, container: WorkerContainer(pod), follow: follow, tailLines: tail, cancellationToken: cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                // One writer at a time, so lines of different pods never interleave mid-line.
                lock (context.Output)
                {
                    context.Output.WriteLine(Prefix(name, line));
                }
            }
        }
        catch (k8s.Autorest.HttpOperationException ex) when (!follow || ex.Response.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.NotFound)
        {
            // A pod still starting (400: container is waiting) or already gone (404) has no log to show.
            lock (context.Output)
            {
                context.Error.WriteLine(Prefix(name, $"(no log: {CliErrors.FromApi(ex).Message})"));
            }
        }
        catch (IOException) when (follow)
        {
            // The stream closed as the pod went away: nothing more to show.
        }
    }
}

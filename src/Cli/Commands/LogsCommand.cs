using Hoist.Backends.Kubernetes;
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
    public static string? WorkerContainer(V1Pod pod) => PodLogFollower.WorkerContainer(pod);

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var hoist = context.LoadSettings();
        using var target = ClusterAccess.Connect(hoist.Kubernetes, context.Error);
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

        // Follow: one stream per pod, and a look for pods that came since every few seconds.
        if (pods.Count == 0)
        {
            await context.Error.WriteLineAsync($"Service '{settings.Service}' has no pods now ({rows[0].State}); waiting for some...").ConfigureAwait(false);
        }

        await PodLogFollower.FollowAsync(target.Cluster, target.Namespace, ServiceInventory.Selector(settings.Service), settings.Tail ?? 10, Writer(context), NoLog(context), context.Time, cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static Task CopyAsync(CliContext context, ClusterTarget target, V1Pod pod, bool follow, int? tail, CancellationToken cancellationToken) =>
        PodLogFollower.CopyAsync(target.Cluster, pod, follow, tail, Writer(context), NoLog(context), cancellationToken);

    // One writer at a time, so lines of different pods never interleave mid-line.
    private static Action<string, string> Writer(CliContext context) => (pod, line) =>
    {
        lock (context.Output)
        {
            context.Output.WriteLine(Prefix(pod, line));
        }
    };

    private static Action<string, string> NoLog(CliContext context) => (pod, reason) =>
    {
        lock (context.Output)
        {
            context.Error.WriteLine(Prefix(pod, $"(no log: {reason})"));
        }
    };
}

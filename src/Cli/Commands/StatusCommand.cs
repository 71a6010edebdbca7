using System.CommandLine;
using System.Globalization;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Cli.Cluster;
using Hoist.Cli.Local;
using k8s.Models;
using Hoist.Manifests;

namespace Hoist.Cli.Commands;

/// <summary><c>hoist status [service]</c>: the services on the cluster, ready and desired replicas, and autoscaling.</summary>
internal sealed class StatusCommand : Command
{
    private readonly Argument<string?> _service = new Argument<string?>("service")
    {
        Description = "One service to show, with its pods. Default: every Hoist service in the namespace.",
        Arity = ArgumentArity.ZeroOrOne,
    }.Validated();

    private readonly Option<string?> _local = new("--local")
    {
        Description = "List the warm local workers (Hoist:Local:KeepWarm) on this machine instead, by app; name an app (or its project folder) to see only its own.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public StatusCommand(CliContextFactory contexts)
        : base("status", "Show the services on the cluster: ready and desired replicas, and autoscaling state.")
    {
        Arguments.Add(_service);
        Options.Add(_local);
        Validators.Add(result =>
        {
            if (result.GetResult(_local) is not null && result.GetResult(_service)?.Tokens.Count > 0)
            {
                result.AddError("--local lists warm local workers by app: name the app after --local, not a service");
            }
        });
        SetAction((parse, cancellationToken) => parse.GetResult(_local) is not null
            ? RunLocalAsync(contexts.Create(parse), parse.GetValue(_local), cancellationToken)
            : RunAsync(contexts.Create(parse), parse.GetValue(_service), cancellationToken));
    }

    public string? Read(ParseResult parse) => parse.GetValue(_service);

    public static async Task<int> RunAsync(CliContext context, string? service, CancellationToken cancellationToken)
    {
        var settings = context.LoadSettings();
        using var target = ClusterAccess.Connect(settings.Kubernetes, context.Error, namespaceNamed: context.Global.Namespace is { Length: > 0 });
        var ns = service is null ? target.Namespace : await ServiceNamespaces.FindAsync(target, service, cancellationToken).ConfigureAwait(false);
        var rows = await ServiceInventory.ListAsync(target.Cluster, ns, service, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            if (service is not null)
            {
                throw NotDeployed(service, ns);
            }

            await context.Output.WriteLineAsync($"No Hoist services in namespace {target.Namespace} ({target.Host}).").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await context.Output.WriteAsync(StatusRows.Format(rows)).ConfigureAwait(false);
        if (service is not null)
        {
            var pods = await ServiceInventory.PodsAsync(target.Cluster, ns, service, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync().ConfigureAwait(false);
            var contracts = pods.Count == 0 ? null : await PodContracts.ReadAsync(target.Cluster, ns, service, pods, settings.Kubernetes, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteAsync(pods.Count == 0 ? "No pods.\n" : FormatPods(pods, context.Time.GetUtcNow(), contracts)).ConfigureAwait(false);

            // What the in-cluster controller decided for it, from the Events it records on the workload.
            var workloads = new List<string>();
            foreach (var kind in Manifests.WorkloadKinds.All.Where(k => k.ControllerScales))
            {
                workloads.AddRange((await target.Cluster.ListAsync(kind.Resource, ns, ServiceInventory.Selector(service), cancellationToken).ConfigureAwait(false)).Select(m => m.Name));
            }

            var decisions = ScalingEvents.Lines(await target.Cluster.ListEventsAsync(ns, cancellationToken).ConfigureAwait(false), workloads, context.Time.GetUtcNow());
            if (decisions.Count > 0)
            {
                await context.Output.WriteLineAsync().ConfigureAwait(false);
                await context.Output.WriteLineAsync("Scaling decisions (hoist-controller):").ConfigureAwait(false);
                foreach (var line in decisions)
                {
                    await context.Output.WriteLineAsync("  " + line).ConfigureAwait(false);
                }
            }
        }

        return ExitCodes.Success;
    }

    /// <summary><c>hoist status --local [app]</c>: every warm local worker of this user's apps (or of one app), asked what it runs.</summary>
    public static async Task<int> RunLocalAsync(CliContext context, string? app, CancellationToken cancellationToken)
    {
        var groups = Backends.Local.WarmWorkers.ListAll(Backends.Local.WarmWorkers.DefaultRoot());
        var picked = app is null ? groups : groups.Where(g => LocalApps.Picks(app, g)).ToArray();
        if (picked.Count == 0)
        {
            await context.Output.WriteLineAsync(groups.Count == 0 || app is null
                ? "No warm local workers. Hoist:Local:KeepWarm=true keeps an app's workers warm between its runs."
                : $"No warm local workers of app '{app}'. Apps with warm workers: {string.Join(", ", groups.Select(g => g.AppName).Distinct(StringComparer.Ordinal))}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var rows = await LocalApps.AskAsync(picked, cancellationToken).ConfigureAwait(false);
        await context.Output.WriteAsync(LocalApps.Format(rows, context.Time.GetUtcNow())).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    public static CliException NotDeployed(string service, string ns) =>
        new($"no Hoist service '{service}' in namespace {ns}", "hoist status lists the services there; --namespace picks another; hoist deploy deploys one");

    /// <summary>
    /// The pods' table: name, phase (or the reason a container waits), ready containers, restarts and age; and, when
    /// <paramref name="contracts"/> are given, the wire contract digest each serves ("-" for a pod not ready), so a
    /// mixed rollout, whose old and new pods refuse each other's callers, shows.
    /// </summary>
    public static string FormatPods(IReadOnlyList<V1Pod> pods, DateTimeOffset now, IReadOnlyDictionary<string, string>? contracts = null)
    {
        string[] header = contracts is null ? ["POD", "STATUS", "READY", "RESTARTS", "AGE"] : ["POD", "STATUS", "READY", "RESTARTS", "AGE", "CONTRACT"];
        return TextTable.Format(header, pods.Select(p =>
        {
            var statuses = p.Status?.ContainerStatuses ?? [];
            var restarts = statuses.Sum(s => s.RestartCount);
            var ready = statuses.Count(s => s.Ready);
            string[] cells =
            [
                p.Metadata.Name,
                DeployProgress.PodPhase(p),
                $"{ready.ToString(CultureInfo.InvariantCulture)}/{Math.Max(statuses.Count, p.Spec?.Containers?.Count ?? 0).ToString(CultureInfo.InvariantCulture)}",
                restarts.ToString(CultureInfo.InvariantCulture),
                p.Metadata.CreationTimestamp is { } created ? DeployProgress.Age(now - new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc))) : "?",
            ];
            return contracts is null ? cells : [.. cells, contracts.GetValueOrDefault(p.Metadata.Name, "-")];
        }));
    }
}

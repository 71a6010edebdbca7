using System.CommandLine;
using System.Globalization;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Cli.Cluster;
using k8s.Models;

namespace Hoist.Cli.Commands;

/// <summary><c>hoist status [service]</c>: the services on the cluster, ready and desired replicas, and autoscaling.</summary>
internal sealed class StatusCommand : Command
{
    private readonly Argument<string?> _service = new Argument<string?>("service")
    {
        Description = "One service to show, with its pods. Default: every Hoist service in the namespace.",
        Arity = ArgumentArity.ZeroOrOne,
    }.Validated();

    public StatusCommand(CliContextFactory contexts)
        : base("status", "Show the services on the cluster: ready and desired replicas, and autoscaling state.")
    {
        Arguments.Add(_service);
        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), parse.GetValue(_service), cancellationToken));
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
            foreach (var kind in (ResourceKind[])[ResourceKind.StatefulSet, ResourceKind.Deployment])
            {
                workloads.AddRange((await target.Cluster.ListAsync(kind, ns, ServiceInventory.Selector(service), cancellationToken).ConfigureAwait(false)).Select(m => m.Name));
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
        var lines = pods.Select(p =>
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
        }).Prepend(header).ToArray();
        var last = header.Length - 1;
        var widths = Enumerable.Range(0, header.Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
        return string.Concat(lines.Select(l => string.Join("  ", l.Select((cell, c) => c == last ? cell : cell.PadRight(widths[c]))).TrimEnd() + "\n"));
    }
}

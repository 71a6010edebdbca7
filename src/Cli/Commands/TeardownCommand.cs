using System.CommandLine;
using Hoist.Backends.Kubernetes;
using Hoist.Cli.Cluster;
using Hoist.Manifests;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist teardown &lt;service&gt;</c> or <c>--all</c>: deletes what Hoist created, found by its labels, and
/// waits for the pods to finish their calls and go. Nothing that Hoist did not label is touched.
/// </summary>
internal sealed class TeardownCommand : Command
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly Argument<string?> _service = new Argument<string?>("service")
    {
        Description = "The service to remove.",
        Arity = ArgumentArity.ZeroOrOne,
    }.Validated();

    private readonly Option<bool> _all = new("--all") { Description = "Remove every Hoist service in the namespace, and the apps' call-token Secrets (with --local: stop every app's warm local workers)." };

    private readonly Option<bool> _noWait = new("--no-wait") { Description = "Delete and return without waiting for the pods to go." };

    private readonly Option<string?> _local = new("--local")
    {
        Description = "Stop one app's warm local workers (Hoist:Local:KeepWarm) on this machine instead of touching a cluster: its name or project folder, or --all for every app's.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public TeardownCommand(CliContextFactory contexts)
        : base("teardown", "Remove a service (or --all of them) from the cluster, by label.")
    {
        Arguments.Add(_service);
        Options.Add(_all);
        Options.Add(_noWait);
        Options.Add(_local);
        Validators.Add(result =>
        {
            // The tokens, not GetValue: converting the argument here would skip its own validation.
            var service = result.GetResult(_service)?.Tokens.FirstOrDefault()?.Value;
            var all = result.GetValue(_all);
            if (result.GetResult(_local) is { } local)
            {
                var app = local.Tokens.FirstOrDefault()?.Value;
                if (service is not null)
                {
                    result.AddError("--local stops an app's warm local workers: name the app after --local, not a service");
                }
                else if (app is null && !all)
                {
                    result.AddError("name the app whose warm local workers to stop (hoist status --local lists them), or pass --all to stop every app's");
                }
                else if (app is not null && all)
                {
                    result.AddError("pass either an app or --all, not both");
                }
            }
            else if (service is null && !all)
            {
                result.AddError("name a service to tear down, or pass --all");
            }
            else if (service is not null && all)
            {
                result.AddError("pass either a service or --all, not both");
            }
        });
        SetAction((parse, cancellationToken) => parse.GetResult(_local) is not null
            ? StopWarmWorkersAsync(contexts.Create(parse), parse.GetValue(_local))
            : RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(string? Service, bool All, bool NoWait);

    public Settings Read(ParseResult parse) => new(parse.GetValue(_service), parse.GetValue(_all), parse.GetValue(_noWait));

    /// <summary>
    /// <c>hoist teardown --local app</c> (or <c>--all</c>, <paramref name="app"/> null): SIGTERM to the app's warm local
    /// workers, a kill after StopTimeout, and their records and build copies removed. Other apps' workers are left alone.
    /// </summary>
    public static async Task<int> StopWarmWorkersAsync(CliContext context, string? app)
    {
        var grace = context.LoadSettings().Local.StopTimeout;
        var root = Backends.Local.WarmWorkers.DefaultRoot();
        var stopped = await Backends.Local.WarmWorkers.StopAllAsync(root, grace, app is null ? null : g => Local.LocalApps.Picks(app, g)).ConfigureAwait(false);
        if (stopped.Count == 0 && app is not null)
        {
            var others = Backends.Local.WarmWorkers.ListAll(root).Select(g => g.AppName).Distinct(StringComparer.Ordinal).ToArray();
            await context.Output.WriteLineAsync($"No warm local workers of app '{app}': nothing to stop.{(others.Length == 0 ? "" : $" Apps with warm workers: {string.Join(", ", others)}.")}").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var processes = stopped.Sum(g => g.Workers.Count);
        await context.Output.WriteLineAsync(stopped.Count == 0
            ? "No warm local workers: nothing to stop."
            : $"Stopped {processes} warm local worker process{(processes == 1 ? "" : "es")} of {string.Join(", ", stopped.Select(g => g.Service).Distinct().Order(StringComparer.Ordinal))}{(app is null ? "" : $" (app {string.Join(", ", stopped.Select(g => g.AppName).Distinct(StringComparer.Ordinal))})")}.").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>What the teardown selects: one service's objects, or everything Hoist manages.</summary>
    public static string Selector(Settings settings) => ServiceInventory.Selector(settings.All ? null : settings.Service);

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var hoist = context.LoadSettings();
        using var target = ClusterAccess.Connect(hoist.Kubernetes, context.Error, namespaceNamed: context.Global.Namespace is { Length: > 0 });
        var cluster = target.Cluster;
        var ns = settings.Service is { } service && !settings.All
            ? await ServiceNamespaces.FindAsync(target, service, cancellationToken).ConfigureAwait(false)
            : target.Namespace;
        var selector = Selector(settings);

        // Workloads first: they take their pods, ReplicaSets and revisions with them; then the Services.
        var deleted = (await ServiceRollout.TearDownAsync(cluster, ns, selector, cancellationToken).ConfigureAwait(false)).ToList();

        if (settings.All)
        {
            // The call tokens are per app, shared by its services: they go only when everything goes.
            foreach (var metadata in await cluster.ListAsync(ResourceKind.Secret, ns, selector, cancellationToken).ConfigureAwait(false))
            {
                await cluster.DeleteAsync(ResourceKind.Secret, ns, metadata.Name, cancellationToken).ConfigureAwait(false);
                deleted.Add($"Secret {metadata.Name}");
            }
        }

        if (deleted.Count == 0)
        {
            if (settings.All)
            {
                await context.Output.WriteLineAsync($"No Hoist services in namespace {ns}: nothing to tear down.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            throw StatusCommand.NotDeployed(settings.Service!, ns);
        }

        await context.Output.WriteLineAsync($"Deleted {string.Join(", ", deleted)} in namespace {ns}.").ConfigureAwait(false);
        if (settings.NoWait)
        {
            return ExitCodes.Success;
        }

        // The pods get SIGTERM and finish their in-flight calls first; wait, up to StopTimeout, until they are gone.
        var podSelector = settings.All ? HoistSelectors.Managed : $"{ManifestLabels.Name}={settings.Service},{HoistSelectors.Managed}";
        var started = context.Time.GetTimestamp();
        var reported = -1;
        while (true)
        {
            var remaining = await cluster.ListPodsAsync(ns, podSelector, cancellationToken).ConfigureAwait(false);
            if (remaining.Count == 0)
            {
                await context.Output.WriteLineAsync("All pods are gone.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            if (context.Time.GetElapsedTime(started) >= hoist.Kubernetes.StopTimeout)
            {
                throw new CliException(
                    $"{remaining.Count} pod{(remaining.Count == 1 ? " is" : "s are")} still terminating after {DeployProgress.Age(hoist.Kubernetes.StopTimeout)}: {string.Join(", ", remaining.Select(p => p.Metadata.Name))}",
                    "their objects are deleted and Kubernetes will finish removing them; hoist status shows when they are gone");
            }

            if (remaining.Count != reported)
            {
                await context.Output.WriteLineAsync($"Waiting for {remaining.Count} pod{(remaining.Count == 1 ? "" : "s")} to finish: {string.Join(", ", remaining.Select(p => $"{p.Metadata.Name} {DeployProgress.PodPhase(p)}"))}").ConfigureAwait(false);
                reported = remaining.Count;
            }

            await Task.Delay(PollInterval, context.Time, cancellationToken).ConfigureAwait(false);
        }
    }
}

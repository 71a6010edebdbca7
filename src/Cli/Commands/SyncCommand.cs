using System.CommandLine;
using Hoist.Cli.Building;
using Hoist.Cli.Syncing;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist sync [app] [--local]</c>: builds the app and sends the files that changed into its running workers —
/// the pods of its deployed services, or with <c>--local</c> its warm workers on this machine — which reload
/// the new code without restarting. Frozen services are never synced.
/// </summary>
internal sealed class SyncCommand : Command
{
    private readonly Argument<string?> _app = new("app")
    {
        Description = "The app's project (.csproj, built first) or its built assembly (.dll). Default: the project in the current folder.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<bool> _local = new("--local") { Description = "Sync the app's warm workers on this machine (Hoist:Local:KeepWarm) instead of its pods." };

    private readonly Option<string> _configuration = new("--configuration", "-c")
    {
        Description = "The configuration to build a project in: the one the running workers were built in.",
        DefaultValueFactory = _ => "Debug",
    };

    public SyncCommand(CliContextFactory contexts)
        : base("sync", "Build the app and hot-sync the changed files into its running workers, without a restart.")
    {
        Arguments.Add(_app);
        Options.Add(_local);
        Options.Add(_configuration);
        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(string? App, bool Local, string Configuration);

    public Settings Read(ParseResult parse) => new(parse.GetValue(_app), parse.GetValue(_local), parse.GetValue(_configuration) ?? "Debug");

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var app = await ProjectBuilder.BuildAsync(AppInput.Resolve(settings.App), settings.Configuration, context.Error, cancellationToken).ConfigureAwait(false);
        var lines = await PassAsync(context, app, settings.Local, cancellationToken).ConfigureAwait(false);
        await PrintAsync(context, lines).ConfigureAwait(false);
        return lines.Any(l => l.Failed) ? ExitCodes.Failure : ExitCodes.Success;
    }

    /// <summary>One sync of a built app, locally or into the cluster.</summary>
    public static Task<IReadOnlyList<SyncLine>> PassAsync(CliContext context, BuiltApp app, bool local, CancellationToken cancellationToken)
    {
        var hoist = context.LoadSettings(app.SettingsDirectory);
        return local
            ? AppCodeSync.SyncLocalAsync(app, hoist, context.Error, cancellationToken)
            : AppCodeSync.SyncClusterAsync(app, hoist, context.Error, cancellationToken);
    }

    public static async Task PrintAsync(CliContext context, IReadOnlyList<SyncLine> lines)
    {
        foreach (var line in lines)
        {
            await context.Output.WriteLineAsync($"{line.Service}: {line.Text}").ConfigureAwait(false);
        }
    }
}

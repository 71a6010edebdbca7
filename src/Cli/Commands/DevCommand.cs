using System.CommandLine;
using System.Globalization;
using Hoist.Cli.Building;
using Hoist.Cli.Compiling;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist dev [project] [--local]</c>: the inner loop. Builds the project once, then keeps its compilation warm:
/// each save recompiles the changed C# files in process (generators included) and syncs the new assembly into the
/// running workers, printing how long each step took. What the in-process compile cannot judge (a project file,
/// a reference, a new file, anything not C#) goes to <c>dotnet build</c>, saying why. A failed compile is printed
/// as the compiler prints it and the workers keep their code; Ctrl+C stops the loop.
/// </summary>
internal sealed class DevCommand : Command
{
    private readonly Argument<string?> _project = new("project")
    {
        Description = "The app's project (.csproj). Default: the project in the current folder.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<bool> _local = new("--local") { Description = "Sync the app's warm workers on this machine (Hoist:Local:KeepWarm) instead of its pods." };

    private readonly Option<string> _configuration = new("--configuration", "-c")
    {
        Description = "The configuration to build in: the one the running workers were built in.",
        DefaultValueFactory = _ => "Debug",
    };

    public DevCommand(CliContextFactory contexts)
        : base("dev", "Watch the project; on every change, compile it and hot-sync the running workers.")
    {
        Arguments.Add(_project);
        Options.Add(_local);
        Options.Add(_configuration);
        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(string? Project, bool Local, string Configuration);

    public Settings Read(ParseResult parse) => new(parse.GetValue(_project), parse.GetValue(_local), parse.GetValue(_configuration) ?? "Debug");

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var input = AppInput.Resolve(settings.Project, projectOnly: true);
        var folder = Path.GetDirectoryName(input.Path)!;

        // Watching from before the first build: a save during it is not lost.
        using var saves = new SaveWatcher(folder);
        var loop = new DevLoop(context, input, settings);
        await context.Output.WriteLineAsync($"Watching {folder} for changes ({(settings.Local ? "warm local workers" : "the cluster")}); Ctrl+C stops.").ConfigureAwait(false);
        try
        {
            await loop.BuildAsync(reason: null, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var touched = await saves.NextAsync(cancellationToken).ConfigureAwait(false);
                await loop.SaveAsync(touched, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
    }

    /// <summary>Formats a duration the way the loop prints it.</summary>
    internal static string Milliseconds(TimeSpan elapsed) => elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";
}

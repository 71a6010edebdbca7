using System.CommandLine;
using System.CommandLine.Help;
using Hoist.Cli.Commands;

namespace Hoist.Cli;

/// <summary>
/// The <c>hoist</c> command line: parses, runs one command, and turns every expected failure into one error
/// line plus one hint line and a non-zero exit code. Tests call <see cref="RunAsync"/> in-process.
/// </summary>
internal static class HoistCli
{
    /// <summary>Set to 1 to see the stack trace of an unexpected failure.</summary>
    public const string DebugVariable = "HOIST_DEBUG";

    /// <summary>
    /// The command tree. The root is a plain command named "hoist" rather than a RootCommand, which would be named
    /// after the file that runs (Hoist.Cli.dll under the tool's shim) in help and errors.
    /// </summary>
    public static Command CreateRoot(TextWriter output, TextWriter error, TimeProvider? time = null)
    {
        var global = new GlobalOptionSymbols();
        var contexts = new CliContextFactory(global, output, error, time ?? TimeProvider.System);
        var root = new Command("hoist", "Render, deploy, watch, call, tail and tear down Hoist services.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        global.AddTo(root);
        root.Subcommands.Add(new ManifestsCommand(contexts));
        root.Subcommands.Add(new DeployCommand(contexts));
        root.Subcommands.Add(new StatusCommand(contexts));
        root.Subcommands.Add(new LogsCommand(contexts));
        root.Subcommands.Add(new CallCommand(contexts));
        root.Subcommands.Add(new TeardownCommand(contexts));
        root.Subcommands.Add(new SecretsCommand(contexts));
        root.Subcommands.Add(new SyncCommand(contexts));
        root.Subcommands.Add(new DevCommand(contexts));
        root.Subcommands.Add(new DashboardCommand(contexts));
        return root;
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = CreateRoot(output, error);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            await error.WriteAsync(UsageError(parse).Format()).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var failure = CliErrors.Translate(ex);
            if (ex is not CliException && Environment.GetEnvironmentVariable(DebugVariable) == "1")
            {
                await error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            await error.WriteAsync(failure.Error.Format()).ConfigureAwait(false);
            return failure.Error.ExitCode;
        }
    }

    /// <summary>The first parse error, with a hint pointing at the command's help.</summary>
    public static CliError UsageError(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var isRoot = !command.Parents.OfType<Command>().Any();
        var path = isRoot ? "hoist" : $"hoist {command.Name}";

        // "Required command was not provided" comes with the more telling "Unrecognized command" for a typo.
        var error = parse.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal)) ?? parse.Errors[0];
        var message = isRoot && error.Message.StartsWith("Required command", StringComparison.Ordinal)
            ? $"no command given: use one of {string.Join(", ", command.Subcommands.Select(c => c.Name))}"
            : LowerFirst(error.Message);
        return new CliError(message, $"run '{path} --help' for its usage", ExitCodes.Usage);
    }

    private static string LowerFirst(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
}

/// <summary>The global options: every command can be pointed at a cluster and a namespace.</summary>
internal sealed class GlobalOptionSymbols
{
    public Option<string?> Namespace { get; } = new("--namespace", "-n")
    {
        Description = "The namespace. Default: Hoist:Kubernetes:Namespace, the kubeconfig context's namespace, or \"default\".",
        Recursive = true,
    };

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig")
    {
        Description = "The kubeconfig file. Default: Hoist:Kubernetes:Kubeconfig, $KUBECONFIG, or ~/.kube/config.",
        Recursive = true,
    };

    public Option<string?> Context { get; } = new("--context")
    {
        Description = "The kubeconfig context. Default: its current context.",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Namespace);
        root.Options.Add(Kubeconfig);
        root.Options.Add(Context);
    }

    public GlobalOptions Read(ParseResult parse) => new(parse.GetValue(Namespace), parse.GetValue(Kubeconfig), parse.GetValue(Context));
}

/// <summary>Makes each command's <see cref="CliContext"/> from its parse result.</summary>
internal sealed class CliContextFactory(GlobalOptionSymbols global, TextWriter output, TextWriter error, TimeProvider time)
{
    public CliContext Create(ParseResult parse) => new(output, error, global.Read(parse), time);
}

using System.CommandLine;
using System.Text;
using Hoist.Cli.Cluster;
using Hoist.Settings;
using k8s.Models;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist secrets set &lt;name&gt; --from-env KEY... --from-literal KEY=VALUE...</c>: creates or updates the Kubernetes
/// Secret that <c>[Secret("name")]</c> reads in pods. A value never appears in what the command prints, nor in its errors.
/// </summary>
internal sealed class SecretsCommand : Command
{
    public SecretsCommand(CliContextFactory contexts)
        : base("secrets", "Manage the Kubernetes Secrets that [Secret] reads in pods.")
    {
        Subcommands.Add(new SetCommand(contexts));
        Subcommands.Add(new TokenCommand(contexts));
    }

    /// <summary>What to write: the secret's name and each key's value. <see cref="ToString"/> never shows a value.</summary>
    public sealed record SecretData(string Name, IReadOnlyDictionary<string, string> Values)
    {
        public override string ToString() => $"{Name}: {string.Join(", ", Values.Keys)}";
    }

    /// <summary>
    /// The Secret's keys and values from the command line. Pure: <paramref name="environment"/> reads a variable.
    /// <c>--from-env HF_TOKEN</c> stores the variable HF_TOKEN under the key HF_TOKEN (what <c>[Secret("name")]</c> turns
    /// back into the variable); <c>--from-env token=HF_TOKEN</c> stores it under "token" (for <c>[Secret("name", "token", "HF_TOKEN")]</c>).
    /// </summary>
    /// <exception cref="CliException">A bad name or key, a variable that is not set, a key given twice, or no key at all.</exception>
    public static SecretData Plan(string name, IReadOnlyList<string> fromEnv, IReadOnlyList<string> fromLiteral, Func<string, string?> environment)
    {
        if (!WorkerVariables.IsSecretName(name))
        {
            throw new CliException($"'{name}' is not a Kubernetes Secret name", WorkerVariables.SecretNameRule, ExitCodes.Usage);
        }

        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Add(string key, string value, string option)
        {
            if (!WorkerVariables.IsSecretKey(key))
            {
                throw new CliException($"{option}: '{key}' is not a Secret key", WorkerVariables.SecretKeyRule, ExitCodes.Usage);
            }

            if (!values.TryAdd(key, value))
            {
                throw new CliException($"{option}: the key '{key}' is given twice", "give each key once", ExitCodes.Usage);
            }
        }

        foreach (var item in fromEnv)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            var (key, variable) = equals < 0 ? (item, item) : (item[..equals], item[(equals + 1)..]);
            var value = environment(variable)
                ?? throw new CliException($"--from-env {item}: the environment variable '{variable}' is not set", $"export {variable} first, or pass --from-literal {key}=...", ExitCodes.Usage);
            Add(key, value, "--from-env " + item);
        }

        foreach (var item in fromLiteral)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                // Only the key is safe to quote: what follows may be the value, typed without its '='.
                throw new CliException("--from-literal takes KEY=VALUE", "write the key, '=', then the value, e.g. --from-literal token=...", ExitCodes.Usage);
            }

            Add(item[..equals], item[(equals + 1)..], $"--from-literal {item[..equals]}=...");
        }

        return values.Count > 0
            ? new SecretData(name, values)
            : throw new CliException("no keys given", "pass --from-env KEY (repeatable) or --from-literal KEY=VALUE", ExitCodes.Usage);
    }

    /// <summary>
    /// The Secret to apply. Values as bytes (<c>data</c>), so a server-side apply owns each key and drops none by accident.
    /// Labelled as made by Hoist's CLI but not managed by Hoist: <c>hoist teardown --all</c> must not delete it.
    /// </summary>
    public static V1Secret Render(SecretData secret, string @namespace) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta
        {
            Name = secret.Name,
            NamespaceProperty = @namespace,
            Labels = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["app.kubernetes.io/created-by"] = "hoist-cli" },
        },
        Type = "Opaque",
        Data = secret.Values.ToDictionary(v => v.Key, v => Encoding.UTF8.GetBytes(v.Value), StringComparer.Ordinal),
    };

    /// <summary><c>hoist secrets set</c>.</summary>
    internal sealed class SetCommand : Command
    {
        private readonly Argument<string> _name = new("name") { Description = "The Secret, the name [Secret(\"name\")] gives, e.g. huggingface." };

        private readonly Option<string[]> _fromEnv = new("--from-env")
        {
            Description = "KEY or KEY=VARIABLE: store this process's environment variable under KEY (repeatable).",
            AllowMultipleArgumentsPerToken = true,
        };

        private readonly Option<string[]> _fromLiteral = new("--from-literal")
        {
            Description = "KEY=VALUE (repeatable). The value stays in your shell history: prefer --from-env.",
        };

        public SetCommand(CliContextFactory contexts)
            : base("set", "Create or update a Kubernetes Secret from environment variables or literals; values are never printed.")
        {
            Arguments.Add(_name);
            Options.Add(_fromEnv);
            Options.Add(_fromLiteral);
            SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
        }

        public sealed record Settings(string Name, IReadOnlyList<string> FromEnv, IReadOnlyList<string> FromLiteral);

        public Settings Read(ParseResult parse) => new(parse.GetValue(_name)!, parse.GetValue(_fromEnv) ?? [], parse.GetValue(_fromLiteral) ?? []);

        public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
        {
            var secret = Plan(settings.Name, settings.FromEnv, settings.FromLiteral, Environment.GetEnvironmentVariable);
            var hoist = context.LoadSettings();
            using var target = ClusterAccess.Connect(hoist.Kubernetes, context.Error);
            await target.Cluster.ApplyAsync(Render(secret, target.Namespace), cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync(
                $"Secret {secret.Name} in namespace {target.Namespace}: set {string.Join(", ", secret.Values.Keys)} (values not shown).").ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    /// <summary>
    /// <c>hoist secrets token [app]</c>: prints the one command that makes the app's call token Secret, which the
    /// manifests of <c>dotnet build</c> and <c>hoist manifests</c> refer to and never hold; <c>hoist deploy</c> makes it
    /// by itself. Needs no cluster, and never prints a token.
    /// </summary>
    internal sealed class TokenCommand : Command
    {
        private readonly Argument<string?> _app = new("app")
        {
            Description = "The app's project (.csproj, built first) or its built assembly (.dll). Default: the project in the current folder.",
            Arity = ArgumentArity.ZeroOrOne,
        };

        public TokenCommand(CliContextFactory contexts)
            : base("token", "Print the kubectl command that creates the app's call token Secret, for applying the build's manifests with kubectl apply -k.")
        {
            Arguments.Add(_app);
            SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), parse.GetValue(_app), cancellationToken));
        }

        public static async Task<int> RunAsync(CliContext context, string? appPath, CancellationToken cancellationToken)
        {
            var app = await Building.ProjectBuilder.BuildAsync(Building.AppInput.Resolve(appPath), "Debug", context.Error, cancellationToken).ConfigureAwait(false);
            var hoist = context.LoadSettings(app.SettingsDirectory);
            var services = Building.AppServices.Read(app, hoist);
            var options = Manifests.ManifestOptionsFactory.Create(hoist.Kubernetes, app.AppName, app.ImageProperty, app.NamespaceProperty, ManifestsCommand.EntryAssembly(app), app.SettingsDirectory);
            foreach (var command in Manifests.AppManifests.TokenCommands(services, options))
            {
                await context.Output.WriteLineAsync(command).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }
    }
}

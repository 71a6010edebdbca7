using System.CommandLine;
using System.Text.Json;
using Hoist.Cli.Building;
using Hoist.Cli.Calling;
using Hoist.Cli.Cluster;
using Hoist.Client;
using Hoist.Hosting;
using Hoist.Manifests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Hoist.Configuration;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist call &lt;service&gt; &lt;method&gt; --json '[...]'</c>: calls a method and prints its result as JSON (a
/// method that streams, each item as a line of JSON as it comes).
/// On the cluster by default (the service must be deployed); with <c>--local &lt;app&gt;</c>, in a worker process
/// of the app on this machine, started for the call and stopped after it.
/// </summary>
internal sealed class CallCommand : Command
{
    private readonly Argument<string> _service = new Argument<string>("service") { Description = "The service to call, e.g. embed." }.Validated();

    private readonly Argument<string> _method = new("method") { Description = "The method to call, e.g. Embed." };

    private readonly Option<string> _json = new("--json")
    {
        Description = "The arguments as JSON: an array in parameter order, e.g. '[2,3]', or an object by parameter name.",
        DefaultValueFactory = _ => "[]",
    };

    private readonly Option<string?> _local = new("--local")
    {
        Description = "Run the service on this machine from this app (its project or built .dll) instead of calling the cluster.",
    };

    private readonly Option<TimeSpan?> _timeout = new("--timeout")
    {
        Description = "Give up after this long, launch included: \"30s\", \"1m30s\", \"500ms\" (or 00:00:30). Default: no limit.",
        CustomParser = DurationArgument.Parse,
    };

    public CallCommand(CliContextFactory contexts)
        : base("call", "Call a service's method with JSON arguments and print the JSON result.")
    {
        Arguments.Add(_service);
        Arguments.Add(_method);
        Options.Add(_json);
        Options.Add(_local);
        Options.Add(_timeout);
        _json.Validators.Add(result =>
        {
            if (ArgumentsProblem(result.GetValueOrDefault<string>() ?? "") is { } problem)
            {
                result.AddError(problem);
            }
        });
        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(string Service, string Method, string Json, string? Local, TimeSpan? Timeout);

    public Settings Read(ParseResult parse) => new(
        parse.GetRequiredValue(_service),
        parse.GetRequiredValue(_method),
        parse.GetValue(_json) ?? "[]",
        parse.GetValue(_local),
        parse.GetValue(_timeout));

    /// <summary>Why <paramref name="json"/> cannot be a call's arguments, or null when it can: it must be a JSON array or object.</summary>
    public static string? ArgumentsProblem(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind is JsonValueKind.Array or JsonValueKind.Object
                ? null
                : $"--json must be a JSON array of the arguments in order, or an object by parameter name, not a {document.RootElement.ValueKind.ToString().ToLowerInvariant()}";
        }
        catch (JsonException ex)
        {
            return $"--json is not valid JSON: {ex.Message}";
        }
    }

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (settings.Timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        try
        {
            if (settings.Local is { } local)
            {
                await CallLocalAsync(context, settings, local, timeout.Token).ConfigureAwait(false);
            }
            else
            {
                await CallClusterAsync(context, settings, timeout.Token).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the call to {settings.Service}.{settings.Method} did not finish within {settings.Timeout}", "raise --timeout, or look at hoist logs for what the worker does");
        }
    }

    private static async Task CallLocalAsync(CliContext context, Settings settings, string appPath, CancellationToken cancellationToken)
    {
        var app = await ProjectBuilder.BuildAsync(AppInput.Resolve(appPath), "Debug", context.Error, cancellationToken).ConfigureAwait(false);
        var configuration = context.LoadConfiguration(app.SettingsDirectory);
        var declared = AppServices.Read(app, new HoistOptions());
        var descriptor = Find(declared, settings, Path.GetFileName(app.AssemblyPath));
        AssemblyFacts.RequireApp(app, "hoist call --local");

        CallTarget.LoadApp(app.AssemblyPath);
        CallTarget.Register(declared);

        var services = new ServiceCollection();
        AddStandardErrorLogging(services);
        services.AddHoist(configuration, o => o.Backend = HoistBackends.Local);
        await using var provider = services.BuildServiceProvider();
        await context.Error.WriteLineAsync($"Starting service '{descriptor.Name}' from {Path.GetFileName(app.AssemblyPath)} on this machine...").ConfigureAwait(false);
        await CallAsync(provider, descriptor.Name, settings, context.Output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task CallClusterAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var configuration = context.LoadConfiguration();
        var hoist = context.Bind(configuration);
        using var target = ClusterAccess.Connect(hoist.Kubernetes, context.Error, "set KUBECONFIG (or pass --kubeconfig), or use --local <app> to run the service on this machine", namespaceNamed: context.Global.Namespace is { Length: > 0 });
        var deployed = await DeployedServiceBackend.LocateAsync(target, settings.Service, cancellationToken).ConfigureAwait(false);
        CallTarget.Register([DeployedServiceBackend.Describe(deployed, settings.Method)]);

        var services = new ServiceCollection();
        AddStandardErrorLogging(services);
        services.AddHoist(configuration, o => o.Backend = HoistBackends.Local);
        services.Replace(Microsoft.Extensions.DependencyInjection.ServiceDescriptor.Singleton<IHoistBackend>(sp => new DeployedServiceBackend(
            target,
            new DeployedCallOptions(hoist.Kubernetes, hoist.Token),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Hoist.Cli.Call"))));
        await using var provider = services.BuildServiceProvider();
        await CallAsync(provider, settings.Service, settings, context.Output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Prints the method's result as JSON; a method that returns <c>IAsyncEnumerable&lt;T&gt;</c> prints each item as a
    /// line of JSON as it arrives. Which kind the method is, the worker says (its wire contracts, which a deployed
    /// service's descriptor on the cluster does not carry); only a worker too old to say is tried unary first.
    /// </summary>
    private static async Task CallAsync(IServiceProvider provider, string service, Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var client = provider.GetRequiredService<HoistClient>();
        var streams = await StreamsAsync(provider.GetRequiredService<IHoistBackend>(), service, settings.Method, cancellationToken).ConfigureAwait(false);
        if (streams == true)
        {
            await StreamAsync(client, service, settings, output, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await output.WriteLineAsync(await client.InvokeJsonAsync(service, settings.Method, settings.Json, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (CallRejectedException unary) when (unary.StatusCode == Grpc.Core.StatusCode.Unimplemented && streams is null)
        {
            try
            {
                await StreamAsync(client, service, settings, output, cancellationToken).ConfigureAwait(false);
            }
            catch (CallRejectedException stream) when (stream.StatusCode == Grpc.Core.StatusCode.Unimplemented)
            {
                // Neither kind: the worker runs other code than the app describes. Its answer to the first call says so.
                throw unary;
            }
        }
    }

    private static async Task StreamAsync(HoistClient client, string service, Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        await foreach (var item in client.InvokeJsonStreamingAsync(service, settings.Method, settings.Json, cancellationToken).ConfigureAwait(false))
        {
            await output.WriteLineAsync(item).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether <paramref name="method"/> streams, as a worker of the service says in its wire contracts (the same
    /// deployment the call then uses: a local worker is started here, a cluster one woken); null when it does not say.
    /// </summary>
    private static async Task<bool?> StreamsAsync(IHoistBackend backend, string service, string method, CancellationToken cancellationToken)
    {
        var deployment = await backend.GetDeploymentAsync(service, cancellationToken).ConfigureAwait(false);
        if (deployment.Endpoints.FirstOrDefault() is not { } worker)
        {
            return null;
        }

        var code = await new Protocol.Code.CodeClient(worker.Channel).GetCodeAsync(new Protocol.GetCodeRequest(), worker.Headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        return code.WireContracts.FirstOrDefault(c => string.Equals(c.Method, method, StringComparison.Ordinal)) is { } contract
            ? contract.ToWireContract().Streams
            : null;
    }

    /// <summary>The service and method asked for, or an error that lists what there is.</summary>
    public static Hoist.ServiceDescriptor Find(IReadOnlyList<Hoist.ServiceDescriptor> services, Settings settings, string assemblyName)
    {
        var descriptor = services.FirstOrDefault(s => string.Equals(s.Name, settings.Service, StringComparison.Ordinal))
            ?? throw new CliException(
                $"{assemblyName} has no service '{settings.Service}'",
                services.Count == 0 ? "it declares no Hoist service: put [Compute] on a method or class" : $"its services are: {string.Join(", ", services.Select(s => s.Name))}",
                ExitCodes.Usage);
        if (!descriptor.Methods.Contains(settings.Method, StringComparer.Ordinal))
        {
            throw new CliException(
                $"service '{descriptor.Name}' has no method '{settings.Method}'",
                $"its methods are: {string.Join(", ", descriptor.Methods)}",
                ExitCodes.Usage);
        }

        return descriptor;
    }

    /// <summary>Logs (the workers' among them) go to stderr, so that stdout holds the result alone.</summary>
    private static void AddStandardErrorLogging(IServiceCollection services) =>
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddFilter("Hoist.Worker", LogLevel.Information);
            logging.AddSimpleConsole(o => o.SingleLine = true);
            logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
}

using System.CommandLine;
using Hoist.Cli.Commands;
using Hoist.Configuration;

namespace Hoist.Cli.Tests;

/// <summary>Each command's command line, parsed by the real command tree: values, defaults and refusals.</summary>
public sealed class ParsingTests
{
    private readonly Command _root = HoistCli.CreateRoot(TextWriter.Null, TextWriter.Null);

    private (ParseResult Parse, T Command) Parse<T>(string commandLine)
        where T : Command
    {
        var parse = _root.Parse(commandLine);
        return (parse, Assert.IsType<T>(parse.CommandResult.Command));
    }

    [Fact]
    public void Manifests_Defaults_ToTheCurrentProjectAndAManifestsFolder()
    {
        var (parse, command) = Parse<ManifestsCommand>("manifests");

        Assert.Empty(parse.Errors);
        Assert.Equal(new ManifestsCommand.Settings(null, "manifests", null, "Debug"), command.Read(parse));
    }

    [Fact]
    public void Manifests_TakesAppOutputImageAndConfiguration()
    {
        var (parse, command) = Parse<ManifestsCommand>("manifests app/App.csproj -o out --image registry.example/app:1 -c Release");

        Assert.Empty(parse.Errors);
        Assert.Equal(new ManifestsCommand.Settings("app/App.csproj", "out", "registry.example/app:1", "Release"), command.Read(parse));
    }

    [Fact]
    public void Deploy_TakesRegistryTagServicesAndImage()
    {
        var (parse, command) = Parse<DeployCommand>("deploy App.csproj --registry ghcr.io/acme --tag 1.2 --service embed -s chat --no-wait");

        Assert.Empty(parse.Errors);
        var settings = command.Read(parse);
        Assert.Equal("App.csproj", settings.Project);
        Assert.Equal("ghcr.io/acme", settings.Registry);
        Assert.Equal("1.2", settings.Tag);
        Assert.Equal(["embed", "chat"], settings.Services);
        Assert.Null(settings.Image);
        Assert.True(settings.NoWait);
    }

    [Fact]
    public void Deploy_WithoutOptions_BuildsEveryServiceAndWaits()
    {
        var (parse, command) = Parse<DeployCommand>("deploy");

        var settings = command.Read(parse);
        Assert.Empty(parse.Errors);
        Assert.Empty(settings.Services);
        Assert.False(settings.NoWait);
        Assert.Null(settings.Registry);
    }

    [Fact]
    public void Status_ServiceIsOptional()
    {
        var (all, command) = Parse<StatusCommand>("status");
        var (one, _) = Parse<StatusCommand>("status embed");

        Assert.Empty(all.Errors);
        Assert.Null(command.Read(all));
        Assert.Equal("embed", command.Read(one));
    }

    [Fact]
    public void Logs_TakesFollowAndTail()
    {
        var (parse, command) = Parse<LogsCommand>("logs embed -f --tail 50");

        Assert.Empty(parse.Errors);
        Assert.Equal(new LogsCommand.Settings("embed", true, 50), command.Read(parse));
    }

    [Fact]
    public void Logs_WithoutService_IsAnError()
    {
        Assert.NotEmpty(_root.Parse("logs").Errors);
        Assert.NotEmpty(_root.Parse("logs embed --tail -1").Errors);
    }

    [Fact]
    public void Call_TakesServiceMethodJsonAndLocalApp()
    {
        var (parse, command) = Parse<CallCommand>("call add Add --json [2,3] --local tests/TestApp --timeout 00:00:30");

        Assert.Empty(parse.Errors);
        Assert.Equal(new CallCommand.Settings("add", "Add", "[2,3]", "tests/TestApp", TimeSpan.FromSeconds(30)), command.Read(parse));
    }

    [Theory]
    [InlineData("1s", 1000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("00:00:30", 30_000)]
    public void Call_Timeout_TakesTheOneDurationGrammar(string timeout, int milliseconds)
    {
        var (parse, command) = Parse<CallCommand>($"call add Add --timeout {timeout}");

        Assert.Empty(parse.Errors);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), command.Read(parse).Timeout);
    }

    [Fact]
    public void Call_Timeout_ThatIsNotADuration_SaysWhatIs()
    {
        var error = Assert.Single(_root.Parse("call add Add --timeout soon").Errors);

        Assert.Equal("--timeout \"soon\" is not a duration: use a Go-style duration such as \"60s\", \"1m30s\", \"1.5h\" or \"500ms\" (units h, m, s, ms), or 00:00:30.", error.Message);
    }

    [Fact]
    public void Call_WithoutJson_PassesNoArguments()
    {
        var (parse, command) = Parse<CallCommand>("call probe ProcessId");

        Assert.Empty(parse.Errors);
        Assert.Equal("[]", command.Read(parse).Json);
        Assert.Null(command.Read(parse).Local);
    }

    [Theory]
    [InlineData("[2,")]
    [InlineData("5")]
    [InlineData("\"text\"")]
    public void Call_JsonThatIsNotAnArrayOrObject_IsRefused(string json)
    {
        var parse = _root.Parse(["call", "add", "Add", "--json", json]);

        var error = Assert.Single(parse.Errors);
        Assert.StartsWith("--json", error.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[2, 3]")]
    [InlineData("{\"a\": 2, \"b\": 3}")]
    public void Call_JsonArrayOrObject_IsAccepted(string json) =>
        Assert.Null(CallCommand.ArgumentsProblem(json));

    [Fact]
    public void Teardown_NeedsAServiceOrAll_NotBoth()
    {
        var (one, command) = Parse<TeardownCommand>("teardown embed");
        var (all, _) = Parse<TeardownCommand>("teardown --all --no-wait");

        Assert.Empty(one.Errors);
        Assert.Equal(new TeardownCommand.Settings("embed", false, false), command.Read(one));
        Assert.Equal(new TeardownCommand.Settings(null, true, true), command.Read(all));
        Assert.Contains(_root.Parse("teardown").Errors, e => e.Message.Contains("--all", StringComparison.Ordinal));
        Assert.Contains(_root.Parse("teardown embed --all").Errors, e => e.Message.Contains("not both", StringComparison.Ordinal));
    }

    [Fact]
    public void TeardownLocal_NamesAnApp_OrAllOfThem()
    {
        var one = _root.Parse("teardown --local WarmApp");

        Assert.Empty(one.Errors);
        Assert.Equal("WarmApp", one.GetValue<string?>("--local"));
        Assert.Empty(_root.Parse("teardown --local --all").Errors);
        Assert.Contains(_root.Parse("teardown --local").Errors, e => e.Message.Contains("pass --all to stop every app's", StringComparison.Ordinal));
        Assert.Contains(_root.Parse("teardown --local WarmApp --all").Errors, e => e.Message.Contains("not both", StringComparison.Ordinal));
        Assert.Contains(_root.Parse("teardown embed --local").Errors, e => e.Message.Contains("not a service", StringComparison.Ordinal));
    }

    [Fact]
    public void StatusLocal_TakesAnOptionalApp_NotAService()
    {
        Assert.Empty(_root.Parse("status --local").Errors);
        Assert.Equal("WarmApp", _root.Parse("status --local WarmApp").GetValue<string?>("--local"));
        Assert.Contains(_root.Parse("status embed --local").Errors, e => e.Message.Contains("not a service", StringComparison.Ordinal));
    }

    [Fact]
    public void SyncAndDev_TakeAnAppAndLocal_AndBuildInDebugByDefault()
    {
        var (sync, syncCommand) = Parse<SyncCommand>("sync app/App.csproj --local");
        var (dev, devCommand) = Parse<DevCommand>("dev -c Release");

        Assert.Empty(sync.Errors);
        Assert.Empty(dev.Errors);
        Assert.Equal(new SyncCommand.Settings("app/App.csproj", true, "Debug"), syncCommand.Read(sync));
        Assert.Equal(new DevCommand.Settings(null, false, "Release"), devCommand.Read(dev));
    }

    [Fact]
    public void Teardown_SelectsOneServiceOrEverythingHoistManages()
    {
        Assert.Equal("app.kubernetes.io/name=embed,app.kubernetes.io/managed-by=hoist", TeardownCommand.Selector(new("embed", false, false)));
        Assert.Equal("app.kubernetes.io/managed-by=hoist", TeardownCommand.Selector(new(null, true, false)));
    }

    [Theory]
    [InlineData("status --bogus")]
    [InlineData("logs Embed")]
    [InlineData("teardown embed_1")]
    [InlineData("call EMBED Embed")]
    public void ServiceArguments_MustBeServiceNames(string commandLine) =>
        Assert.Contains(_root.Parse(commandLine).Errors, e => e.Message.Contains("is not a service name", StringComparison.Ordinal));

    [Fact]
    public void GlobalOptions_AreAcceptedAfterAnyCommand()
    {
        var symbols = new GlobalOptionSymbols();
        var root = new Command("hoist");
        symbols.AddTo(root);
        root.Subcommands.Add(new Command("status"));

        var parse = root.Parse("status -n team --kubeconfig /tmp/kc --context prod");

        Assert.Empty(parse.Errors);
        Assert.Equal(new GlobalOptions("team", "/tmp/kc", "prod"), symbols.Read(parse));
    }

    [Fact]
    public void GlobalOptions_OverrideTheConfiguration()
    {
        var options = new Hoist.Configuration.KubernetesBackendOptions { Namespace = "from-config", Context = "from-config" };

        new GlobalOptions("team", null, null).ApplyTo(options);

        Assert.Equal("team", options.Namespace);
        Assert.Equal("from-config", options.Context);
    }

    [Fact]
    public void UsageError_NamesTheCommandsHelp()
    {
        var error = HoistCli.UsageError(_root.Parse("logs"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal("run 'hoist logs --help' for its usage", error.Hint);
    }

    [Fact]
    public void Dashboard_Defaults_ToAspiresPortAndTheStandardOtlpPort()
    {
        var (parse, command) = Parse<DashboardCommand>("dashboard");

        Assert.Empty(parse.Errors);
        var settings = command.Read(parse);
        Assert.Equal((18888, 4317), (settings.Port, settings.OtlpPort));
        Assert.Empty(settings.Command);
    }

    [Fact]
    public void Dashboard_TakesTheCommandAfterTheDoubleDash_WithItsOwnOptions()
    {
        var (parse, command) = Parse<DashboardCommand>("dashboard --port 0 -- dotnet run --project samples/Telemetry -c Release");

        Assert.Empty(parse.Errors);
        var settings = command.Read(parse);
        Assert.Equal(0, settings.Port);
        Assert.Equal(["dotnet", "run", "--project", "samples/Telemetry", "-c", "Release"], settings.Command);
    }

    [Theory]
    [InlineData("dashboard --port -1", "--port must be a port from 0 to 65535")]
    [InlineData("dashboard --otlp-port 70000", "--otlp-port must be a port from 0 to 65535")]
    public void Dashboard_RefusesAPortOutOfRange(string commandLine, string message)
    {
        var parse = _root.Parse(commandLine);

        Assert.Equal(message, Assert.Single(parse.Errors).Message);
    }

    [Fact]
    public void UsageError_ForNoCommand_ListsTheCommands()
    {
        var error = HoistCli.UsageError(_root.Parse(""));

        Assert.Equal("no command given: use one of manifests, deploy, status, logs, call, teardown, secrets, sync, dev, dashboard", error.Message);
    }
}

using YamlDotNet.RepresentationModel;

namespace Hoist.Cli.Tests;

/// <summary>The built tool run as a process, without a cluster: manifests, a local call, and the errors a user meets first.</summary>
public sealed class EndToEndTests
{
    private static string ServiceLibraryProject => Path.Combine(HoistProcess.RepositoryRoot, "tests/Fixtures/ServiceLibrary/ServiceLibrary.csproj");

    private static string ServiceLibraryAssembly => HoistProcess.Output("tests/Fixtures/ServiceLibrary", "ServiceLibrary.dll");

    private static string TestAppAssembly => HoistProcess.Output("tests/TestApp", "Hoist.TestApp.dll");

    [Fact]
    public async Task Manifests_FromAProject_BuildsItAndWritesOneParsableFilePerService()
    {
        using var work = new TempDirectory();
        var output = Path.Combine(work.Path, "out");

        // A fresh clone's first Debug build of the library and everything it references: minutes on a busy 2-core machine.
        var run = await HoistProcess.RunAsync(["manifests", ServiceLibraryProject, "-o", output, "--image", "registry.example/lib:1"], work.Path, HoistProcess.BuildingInPlace(), TimeSpan.FromMinutes(5));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Building ServiceLibrary.csproj", run.Error, StringComparison.Ordinal);
        var documents = ReadYaml(Path.Combine(output, "shrink.yaml"));
        Assert.Equal(["Service", "Deployment"], documents.Select(d => Scalar(d, "kind")).Order(StringComparer.Ordinal).Reverse());
        Assert.Contains("registry.example/lib:1", File.ReadAllText(Path.Combine(output, "shrink.yaml")), StringComparison.Ordinal);
        var knative = Assert.Single(ReadYaml(Path.Combine(output, "scorer.yaml")));
        Assert.Equal("serving.knative.dev/v1", Scalar(knative, "apiVersion"));
        Assert.Equal("scorer", Scalar((YamlMappingNode)knative.Children[new YamlScalarNode("metadata")], "name"));
    }

    [Fact]
    public async Task Manifests_FromAnAssembly_NeedsNoBuild_AndHonoursNamespace()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["manifests", ServiceLibraryAssembly, "--namespace", "team-a"], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("Building", run.Error, StringComparison.Ordinal);
        Assert.Equal(["kustomization.yaml", "scorer.yaml", "shrink.yaml"], Directory.GetFiles(Path.Combine(work.Path, "manifests")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // kubectl apply -k applies the folder as it is: the kustomization lists every other file.
        var kustomization = Assert.Single(ReadYaml(Path.Combine(work.Path, "manifests", "kustomization.yaml")));
        Assert.Equal(["scorer.yaml", "shrink.yaml"], ((YamlSequenceNode)kustomization.Children[new YamlScalarNode("resources")]).Children.Select(r => ((YamlScalarNode)r).Value).Order(StringComparer.Ordinal));
        foreach (var document in ReadYaml(Path.Combine(work.Path, "manifests", "shrink.yaml")))
        {
            Assert.Equal("team-a", Scalar((YamlMappingNode)document.Children[new YamlScalarNode("metadata")], "namespace"));
        }
    }

    [Fact]
    public async Task Manifests_OfAnAppWithAnAutoscaledGroupOrATtl_IncludeTheController_AndOnlyThen()
    {
        using var work = new TempDirectory();

        // Hoist.TestApp has elastic-group ([Distribute] with [Autoscale]) and short-lived (InactivityTtl).
        var run = await HoistProcess.RunAsync(["manifests", TestAppAssembly, "-o", "with"], work.Path, HoistProcess.WithoutCluster(work.Path));
        Assert.True(run.ExitCode == 0, run.ToString());
        var kinds = ReadYaml(Path.Combine(work.Path, "with", "hoist-controller.yaml")).Select(d => Scalar(d, "kind")).ToArray();
        Assert.Equal(["ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "NetworkPolicy"], kinds);

        // ServiceLibrary's services are a Knative Service and a plain Deployment without a TTL: nothing for it to do.
        var without = await HoistProcess.RunAsync(["manifests", ServiceLibraryAssembly, "-o", "without"], work.Path, HoistProcess.WithoutCluster(work.Path));
        Assert.True(without.ExitCode == 0, without.ToString());
        Assert.False(File.Exists(Path.Combine(work.Path, "without", "hoist-controller.yaml")));
    }

    [Fact]
    public async Task Manifests_OfAMissingFile_IsAUsageError()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["manifests", "nope/App.csproj"], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal(2, run.ErrorLines.Count);
        Assert.Matches("^error: .*nope/App.csproj does not exist$", run.ErrorLines[0]);
        Assert.StartsWith("hint: ", run.ErrorLines[1]);
    }

    [Fact]
    public async Task CallLocal_StartsTheServiceFromTheApp_AndPrintsTheJsonResult()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["call", "add", "Add", "--json", "[2,3]", "--local", TestAppAssembly], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("5", run.Output.Trim());
    }

    [Fact]
    public async Task CallLocal_ByParameterName_AndWithARecordResult()
    {
        using var work = new TempDirectory();

        var byName = await HoistProcess.RunAsync(["call", "add", "Add", "--json", """{"a":40,"b":2}""", "--local", TestAppAssembly], work.Path, HoistProcess.WithoutCluster(work.Path));
        var record = await HoistProcess.RunAsync(
            ["call", "quote", "PriceAsync", "--json", """[{"Id":"o-1","Lines":[{"Sku":"x","Quantity":2,"UnitPrice":1.5}],"Note":null}]""", "--local", TestAppAssembly],
            work.Path,
            HoistProcess.WithoutCluster(work.Path));

        Assert.True(byName.ExitCode == 0, byName.ToString());
        Assert.Equal("42", byName.Output.Trim());
        Assert.True(record.ExitCode == 0, record.ToString());
        Assert.Contains("\"total\":3", record.Output.Replace(" ", "", StringComparison.Ordinal).Replace(".0", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CallLocal_AMethodThatStreams_TakesTheStreamingPathAtOnce_PrintsEachItemAsALine_AndAFailureAfterThemAsTheError()
    {
        using var work = new TempDirectory();

        var counted = await HoistProcess.RunAsync(["call", "streams", "Count", "--json", "[3,0]", "--local", TestAppAssembly], work.Path, HoistProcess.WithoutCluster(work.Path));
        var failed = await HoistProcess.RunAsync(["call", "streams", "FailAfter", "--json", "[2]", "--local", TestAppAssembly], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.True(counted.ExitCode == 0, counted.ToString());
        Assert.Equal(["0", "1", "2"], counted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // The worker said Count streams: no unary attempt was refused on the way.
        Assert.DoesNotContain("Unimplemented", counted.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Refused", counted.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, failed.ExitCode);
        Assert.Equal(["\"item 0\"", "\"item 1\""], failed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("failed after 2 items", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallLocal_AMethodThatThrows_IsOneErrorLineAndAHint()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["call", "probe", "Fail", "--json", """["boom"]""", "--local", TestAppAssembly], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("error: System.InvalidOperationException in service 'probe'", run.Error, StringComparison.Ordinal);
        Assert.Contains(": boom", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task CallLocal_UnknownMethod_ListsTheServicesMethods()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["call", "add", "Subtract", "--local", TestAppAssembly], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal(["error: service 'add' has no method 'Subtract'", "hint: its methods are: Add"], run.ErrorLines);
    }

    [Fact]
    public async Task CallLocal_OfAClassLibrary_SaysItNeedsAnApp()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["call", "scorer", "Score", "--json", """["hi"]""", "--local", ServiceLibraryAssembly], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal("error: ServiceLibrary.dll is a class library, and hoist call --local needs an app: workers run the app's executable", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Status_WithoutACluster_IsOneErrorLineAndAHint()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["status"], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Equal(
            [
                "error: no Kubernetes cluster configured (KUBECONFIG is not set)",
                "hint: set KUBECONFIG or pass --kubeconfig; without a cluster, 'hoist call --local' runs a service on this machine",
            ],
            run.ErrorLines);
    }

    [Fact]
    public async Task Call_WithoutAClusterOrLocal_SuggestsLocal()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["call", "add", "Add", "--json", "[2,3]"], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal("error: no Kubernetes cluster configured (KUBECONFIG is not set)", run.ErrorLines[0]);
        Assert.Contains("--local", run.ErrorLines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_WithAMissingKubeconfigFile_NamesIt()
    {
        using var work = new TempDirectory();
        var environment = HoistProcess.WithoutCluster(work.Path);
        environment["KUBECONFIG"] = Path.Combine(work.Path, "missing-config");

        var run = await HoistProcess.RunAsync(["logs", "add"], work.Path, environment);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal($"error: KUBECONFIG names no existing file ({Path.Combine(work.Path, "missing-config")})", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Status_WithAnUnreachableApiServer_SaysItCannotReachIt()
    {
        using var work = new TempDirectory();
        var environment = HoistProcess.WithoutCluster(work.Path);
        environment["KUBECONFIG"] = WriteKubeconfig(work.Path, "https://127.0.0.1:1");

        var run = await HoistProcess.RunAsync(["status"], work.Path, environment);
        var wrongContext = await HoistProcess.RunAsync(["status", "--context", "prod"], work.Path, environment);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal(2, run.ErrorLines.Count);
        Assert.StartsWith("error: cannot reach the Kubernetes API server: Connection refused", run.ErrorLines[0]);
        Assert.Equal(ExitCodes.Failure, wrongContext.ExitCode);
        Assert.Equal("error: the kubeconfig cannot be used: CurrentContext: prod not found in contexts in kubeconfig", wrongContext.ErrorLines[0]);
    }

    [Fact]
    public async Task Deploy_WithoutACluster_FailsBeforeBuilding()
    {
        using var work = new TempDirectory();

        var run = await HoistProcess.RunAsync(["deploy", ServiceLibraryProject, "--registry", "localhost:5000"], work.Path, HoistProcess.WithoutCluster(work.Path));

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.DoesNotContain("Building", run.Error, StringComparison.Ordinal);
        Assert.Equal("error: no Kubernetes cluster configured (KUBECONFIG is not set)", run.ErrorLines[0]);
    }

    [Fact]
    public async Task InProcess_UsageErrors_ExitWithTwo_AndHelpWithZero()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var bogus = await HoistCli.RunAsync(["bogus"], output, error);
        var help = await HoistCli.RunAsync(["--help"], output, TextWriter.Null);

        Assert.Equal(ExitCodes.Usage, bogus);
        Assert.Equal("error: unrecognized command or argument 'bogus'.\nhint: run 'hoist --help' for its usage\n", error.ToString());
        Assert.Equal(ExitCodes.Success, help);
        Assert.Contains("Usage:\n  hoist [command] [options]", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    /// <summary>A kubeconfig for a server nobody runs: the client fails to connect, as it would to a cluster that is down.</summary>
    private static string WriteKubeconfig(string directory, string server)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: down
              cluster:
                server: {server}
                insecure-skip-tls-verify: true
            contexts:
            - name: down
              context:
                cluster: down
                user: me
            current-context: down
            users:
            - name: me
              user:
                token: not-a-real-token
            """);
        return path;
    }

    private static IReadOnlyList<YamlMappingNode> ReadYaml(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode)).ToArray();
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;
}

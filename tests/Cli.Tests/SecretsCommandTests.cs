using System.CommandLine;
using System.Text;
using Hoist.Cli.Commands;
using Hoist.Testing;
using k8s;

namespace Hoist.Cli.Tests;

/// <summary><c>hoist secrets set</c>: what it writes from the command line, that no value is ever printed, and (with a cluster) the Secret it leaves.</summary>
public sealed class SecretsCommandTests
{
    private const string Value = "hf_s3cr3t-value-4b1e";

    private readonly Command _root = HoistCli.CreateRoot(TextWriter.Null, TextWriter.Null);

    [Fact]
    public void Set_TakesANameAndRepeatableSources()
    {
        var parse = _root.Parse("secrets set huggingface --from-env HF_TOKEN --from-env token=HF_TOKEN --from-literal org=acme --from-literal x=y");
        var command = Assert.IsType<SecretsCommand.SetCommand>(parse.CommandResult.Command);

        Assert.Empty(parse.Errors);
        var settings = command.Read(parse);
        Assert.Equal("huggingface", settings.Name);
        Assert.Equal(["HF_TOKEN", "token=HF_TOKEN"], settings.FromEnv);
        Assert.Equal(["org=acme", "x=y"], settings.FromLiteral);
        Assert.NotEmpty(_root.Parse("secrets set").Errors);
    }

    [Fact]
    public void Plan_StoresEachVariableUnderItsKey_AndLiterals()
    {
        var secret = SecretsCommand.Plan("huggingface", ["HF_TOKEN", "token=HF_TOKEN"], ["org=acme=corp"], name => name == "HF_TOKEN" ? Value : null);

        Assert.Equal(new Dictionary<string, string> { ["HF_TOKEN"] = Value, ["org"] = "acme=corp", ["token"] = Value }, secret.Values);
        Assert.DoesNotContain(Value, secret.ToString(), StringComparison.Ordinal);

        var rendered = SecretsCommand.Render(secret, "ml");
        Assert.Equal(Value, Encoding.UTF8.GetString(rendered.Data["token"]));
        Assert.Equal("ml", rendered.Metadata.NamespaceProperty);
        Assert.DoesNotContain("app.kubernetes.io/managed-by", rendered.Metadata.Labels.Keys); // teardown --all leaves it alone
    }

    [Theory]
    [InlineData("Hugging_Face", new[] { "A" }, new string[0], "is not a Kubernetes Secret name")]
    [InlineData("hf", new[] { "MISSING_VARIABLE" }, new string[0], "the environment variable 'MISSING_VARIABLE' is not set")]
    [InlineData("hf", new[] { "bad key=A" }, new string[0], "'bad key' is not a Secret key")]
    [InlineData("hf", new[] { "A" }, new[] { "A=again" }, "the key 'A' is given twice")]
    [InlineData("hf", new string[0], new[] { Value }, "--from-literal takes KEY=VALUE")]
    [InlineData("hf", new string[0], new string[0], "no keys given")]
    public void Plan_RefusesBadInput_WithoutQuotingAValue(string name, string[] fromEnv, string[] fromLiteral, string message)
    {
        var error = Assert.Throws<CliException>(() => SecretsCommand.Plan(name, fromEnv, fromLiteral, variable => variable == "A" ? Value : null));

        Assert.Contains(message, error.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, error.Error.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_WithoutACluster_SaysSo_AndPrintsNoValue()
    {
        using var work = new TempDirectory();
        var environment = HoistProcess.WithoutCluster(work.Path);
        environment["HOIST_TEST_SECRET_VALUE"] = Value;

        var run = await HoistProcess.RunAsync(["secrets", "set", "huggingface", "--from-env", "token=HOIST_TEST_SECRET_VALUE", "--from-literal", "org=" + Value], work.Path, environment);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal("error: no Kubernetes cluster configured (KUBECONFIG is not set)", run.ErrorLines[0]);
        Assert.DoesNotContain(Value, run.ToString(), StringComparison.Ordinal);
    }

    [ClusterFact]
    public async Task Set_CreatesThenUpdatesTheSecret_AndPrintsOnlyItsKeys()
    {
        var name = "hoist-test-" + Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string?> { ["HOIST_TEST_SECRET_VALUE"] = Value };
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Environment.GetEnvironmentVariable("KUBECONFIG")));
        try
        {
            var created = await HoistProcess.RunAsync(["secrets", "set", name, "--from-env", "token=HOIST_TEST_SECRET_VALUE", "--namespace", ClusterFactAttribute.Namespace], HoistProcess.RepositoryRoot, environment);
            var updated = await HoistProcess.RunAsync(["secrets", "set", name, "--from-env", "token=HOIST_TEST_SECRET_VALUE", "--from-literal", "org=acme", "--namespace", ClusterFactAttribute.Namespace], HoistProcess.RepositoryRoot, environment);

            Assert.True(created.ExitCode == 0, created.ToString());
            Assert.True(updated.ExitCode == 0, updated.ToString());
            Assert.Contains($"Secret {name} in namespace {ClusterFactAttribute.Namespace}: set org, token (values not shown).", updated.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(Value, created.ToString() + updated, StringComparison.Ordinal);
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ClusterFactAttribute.Namespace);
            Assert.Equal(Value, Encoding.UTF8.GetString(secret.Data["token"]));
            Assert.Equal("acme", Encoding.UTF8.GetString(secret.Data["org"]));
        }
        finally
        {
            try
            {
                await client.CoreV1.DeleteNamespacedSecretAsync(name, ClusterFactAttribute.Namespace);
            }
            catch (k8s.Autorest.HttpOperationException)
            {
            }
        }
    }
}

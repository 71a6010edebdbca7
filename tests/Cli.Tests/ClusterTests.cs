namespace Hoist.Cli.Tests;

/// <summary>
/// A test that needs a real Kubernetes cluster: it runs when KUBECONFIG names an existing file and is skipped,
/// saying so, otherwise. With <see cref="NeedsTestImage"/> it also needs HOIST_TEST_IMAGE: Hoist.TestApp published
/// as a container image the cluster can pull. Nothing here fakes the API server.
/// </summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public const string NoCluster = "No Kubernetes cluster: set KUBECONFIG to run these tests.";
    public const string NoImage = "No test image: set HOIST_TEST_IMAGE to Hoist.TestApp published as a container image the cluster can pull.";

    public ClusterFactAttribute()
    {
        if (!HasCluster)
        {
            Skip = NoCluster;
        }
    }

    public bool NeedsTestImage
    {
        get => TestImage is not null;
        set
        {
            if (value && Skip is null && TestImage is null)
            {
                Skip = NoImage;
            }
        }
    }

    public static bool HasCluster => Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } path
        && path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(File.Exists);

    public static string? TestImage => Environment.GetEnvironmentVariable("HOIST_TEST_IMAGE") is { Length: > 0 } image ? image : null;

    public static string Namespace => Environment.GetEnvironmentVariable("HOIST_TEST_NAMESPACE") is { Length: > 0 } ns ? ns : "default";
}

/// <summary>The commands against a real cluster: deploy an image of the test app, see it, call it, read its logs, remove it.</summary>
public sealed class ClusterTests
{
    private static string TestAppProject => Path.Combine(HoistProcess.RepositoryRoot, "tests/TestApp/TestApp.csproj");

    private static Task<HoistRun> Hoist(params string[] arguments) =>
        HoistProcess.RunAsync([.. arguments, "--namespace", ClusterFactAttribute.Namespace], HoistProcess.RepositoryRoot, timeout: TimeSpan.FromMinutes(10));

    [ClusterFact]
    public async Task Status_ListsTheNamespace()
    {
        var run = await Hoist("status");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(run.Output.StartsWith("SERVICE", StringComparison.Ordinal) || run.Output.StartsWith("No Hoist services", StringComparison.Ordinal), run.ToString());
    }

    [ClusterFact]
    public async Task Status_OfAServiceThatIsNotThere_IsOneErrorLine()
    {
        var run = await Hoist("status", "no-such-service-" + Guid.NewGuid().ToString("N")[..6]);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal(2, run.ErrorLines.Count);
        Assert.StartsWith("error: no Hoist service 'no-such-service-", run.ErrorLines[0]);
    }

    [ClusterFact]
    public async Task Teardown_OfAServiceThatIsNotThere_Fails()
    {
        var run = await Hoist("teardown", "no-such-service-" + Guid.NewGuid().ToString("N")[..6]);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.StartsWith("hint: hoist status lists the services there", run.ErrorLines[^1]);
    }

    [ClusterFact(NeedsTestImage = true)]
    public async Task Deploy_Status_Call_Logs_Teardown_OfAPlainService()
    {
        try
        {
            var deploy = await Hoist("deploy", TestAppProject, "--image", ClusterFactAttribute.TestImage!, "--service", "add");
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            Assert.Contains("add: ready, 1/1", deploy.Output, StringComparison.Ordinal);

            var status = await Hoist("status", "add");
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Contains("Deployment", status.Output, StringComparison.Ordinal);
            Assert.Contains("1/1", status.Output, StringComparison.Ordinal);

            var call = await Hoist("call", "add", "Add", "--json", "[2,3]");
            Assert.True(call.ExitCode == 0, call.ToString());
            Assert.Equal("5", call.Output.Trim());

            var logs = await Hoist("logs", "add");
            Assert.True(logs.ExitCode == 0, logs.ToString());
            Assert.All(logs.Output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("[add-", line));
        }
        finally
        {
            var teardown = await Hoist("teardown", "add");
            Assert.True(teardown.ExitCode == 0, teardown.ToString());
        }
    }

    [ClusterFact(NeedsTestImage = true)]
    public async Task Deploy_OfAnImageThatCannotBePulled_FailsWithTheDiagnosis()
    {
        try
        {
            var deploy = await Hoist("deploy", TestAppProject, "--image", "registry.invalid/hoist/does-not-exist:0", "--service", "probe");

            Assert.Equal(ExitCodes.Failure, deploy.ExitCode);
            Assert.Contains("error: Service 'probe'", deploy.Error, StringComparison.Ordinal);
            Assert.Contains("pull", deploy.Error, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await Hoist("teardown", "probe", "--no-wait");
        }
    }
}

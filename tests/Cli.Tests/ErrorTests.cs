using System.Net;
using Grpc.Core;
using Hoist.Cli.Cluster;
using k8s.Autorest;
using k8s.Exceptions;

namespace Hoist.Cli.Tests;

/// <summary>Every failure reads as one error line and one hint line, with the right exit code and no stack trace.</summary>
public sealed class ErrorTests
{
    [Fact]
    public void Format_IsOneErrorLineAndOneHintLine()
    {
        var text = new CliError("no Kubernetes cluster configured (KUBECONFIG is not set)", "set KUBECONFIG or use --local").Format();

        Assert.Equal("error: no Kubernetes cluster configured (KUBECONFIG is not set)\nhint: set KUBECONFIG or use --local\n", text);
    }

    [Fact]
    public void Format_FoldsMultiLineMessagesIntoOneLine_AndPutsDetailsFirst()
    {
        var error = new CliError("first\n  second\r\nthird", "do\nthis") { Details = ["build.cs(1,1): error CS1002: ; expected  "] };

        Assert.Equal("build.cs(1,1): error CS1002: ; expected\nerror: first second third\nhint: do this\n", error.Format());
    }

    [Fact]
    public void ExitCodes_AreDistinct()
    {
        Assert.Equal(0, ExitCodes.Success);
        Assert.Equal(1, ExitCodes.Failure);
        Assert.Equal(2, ExitCodes.Usage);
        Assert.Equal(130, ExitCodes.Cancelled);
    }

    [Fact]
    public void Translate_CliException_KeepsItsError()
    {
        var error = new CliError("bad", "fix it", ExitCodes.Usage);

        var translated = CliErrors.Translate(new CliException(error));

        Assert.Same(error, translated.Error);
        Assert.False(translated.IsUnexpected);
    }

    [Fact]
    public void Translate_Forbidden_QuotesTheApiServersMessage()
    {
        var exception = new HttpOperationException("Operation returned an invalid status code 'Forbidden'")
        {
            Response = new HttpResponseMessageWrapper(
                new HttpResponseMessage(HttpStatusCode.Forbidden),
                "{\"kind\":\"Status\",\"message\":\"deployments.apps is forbidden: User \\\"dev\\\" cannot list resource\"}"),
        };

        var error = CliErrors.Translate(exception).Error;

        Assert.Equal("the Kubernetes API server forbids it: deployments.apps is forbidden: User \"dev\" cannot list resource", error.Message);
        Assert.Contains("RBAC", error.Hint, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, error.ExitCode);
    }

    [Fact]
    public void Translate_UnreachableApiServer_SaysSo()
    {
        var error = CliErrors.Translate(new HttpRequestException("An error occurred", new IOException("Connection refused (127.0.0.1:6443)"))).Error;

        Assert.Equal("cannot reach the Kubernetes API server: Connection refused (127.0.0.1:6443)", error.Message);
    }

    [Fact]
    public void Translate_BadKubeconfig_PointsAtKubectl()
    {
        var error = CliErrors.Translate(new KubeConfigException("Context prod not found")).Error;

        Assert.Equal("the kubeconfig cannot be used: Context prod not found", error.Message);
        Assert.Contains("--context", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_KnativeRefusal_IsItsFirstLine_TheOthersAsDetails_AndItsOwnHint()
    {
        var refused = new RolloutRefusedException("embed", "service 'embed' renders tolerations ...: kubectl patch configmap config-features ...\nservice 'embed' starts at zero replicas ...: kubectl patch configmap config-autoscaler ...")
        {
            Hint = "a cluster admin runs the kubectl patch above",
        };

        var error = CliErrors.Translate(refused).Error;

        Assert.Equal("service 'embed' renders tolerations ...: kubectl patch configmap config-features ...", error.Message);
        Assert.Equal(["service 'embed' starts at zero replicas ...: kubectl patch configmap config-autoscaler ..."], error.Details);
        Assert.Equal("a cluster admin runs the kubectl patch above", error.Hint);
    }

    [Fact]
    public void Translate_RemoteException_IsTheWorkersErrorWithoutAStackTrace()
    {
        var remote = new RemoteException("probe", "probe-1", null, "System.InvalidOperationException", "boom", "   at Probe.Fail()");

        var error = CliErrors.Translate(remote).Error;

        Assert.Equal("System.InvalidOperationException in service 'probe' (replica probe-1): boom", error.Message);
        Assert.DoesNotContain("at Probe.Fail", error.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_LaunchFailure_ShowsTheWorkersLastLinesAboveOneErrorLine()
    {
        var launch = new WorkerLaunchException("add", "add-1", "Worker add-1 of service 'add' exited with code 1 before it was ready.", "line 1\nUnhandled exception: boom\n", 1);

        var error = CliErrors.Translate(launch).Error;

        Assert.Equal("Worker add-1 of service 'add' exited with code 1 before it was ready.", error.Message);
        Assert.Equal(["line 1", "Unhandled exception: boom"], error.Details);
        Assert.Contains("hoist logs add", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_MalformedArguments_ExplainsTheJsonShape()
    {
        var rejected = new CallRejectedException("add", "add-1", StatusCode.InvalidArgument, "InvalidArgument: Argument 'a' is not a valid Int32");

        var error = CliErrors.Translate(rejected).Error;

        Assert.StartsWith("service 'add' could not read the arguments", error.Message);
        Assert.Contains("'[2,3]'", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_Cancellation_ExitsWith130()
    {
        var error = CliErrors.Translate(new OperationCanceledException()).Error;

        Assert.Equal(ExitCodes.Cancelled, error.ExitCode);
        Assert.Equal("cancelled", error.Message);
    }

    [Fact]
    public void Translate_AnHttpTimeout_IsNotACancellation()
    {
        var error = CliErrors.Translate(new TaskCanceledException("canceled", new TimeoutException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."))).Error;

        Assert.Equal(ExitCodes.Failure, error.ExitCode);
        Assert.StartsWith("a request timed out: ", error.Message);
    }

    [Fact]
    public void PublishFailure_ShowsTheErrors_NotTheTasksStackTrace()
    {
        var result = new Hoist.Cli.Building.ProcessResult(1,
        [
            "  Restored App.csproj",
            "Containers.targets(255,5): error MSB4018: The \"CreateNewImage\" task failed unexpectedly. [App.csproj]",
            "Containers.targets(255,5): error MSB4018: System.Net.Http.HttpRequestException: Name or service not known (mcr.microsoft.com:443) [App.csproj]",
            "Containers.targets(255,5): error MSB4018:    at Microsoft.NET.Build.Containers.Registry.GetAsync() [App.csproj]",
            "Containers.targets(255,5): error MSB4018:    --- End of inner exception stack trace --- [App.csproj]",
        ]);

        Assert.Equal(
            [
                "Containers.targets(255,5): error MSB4018: The \"CreateNewImage\" task failed unexpectedly. [App.csproj]",
                "Containers.targets(255,5): error MSB4018: System.Net.Http.HttpRequestException: Name or service not known (mcr.microsoft.com:443) [App.csproj]",
            ],
            result.ErrorLines());
    }

    [Fact]
    public void BuildFailure_WithoutMarkedErrors_ShowsTheLastLines()
    {
        var result = new Hoist.Cli.Building.ProcessResult(1, ["one", "", "two", "three"]);

        Assert.Equal(["two", "three"], result.ErrorLines(max: 2));
    }

    [Fact]
    public void Translate_UnknownException_IsReportedAsABug()
    {
        var translated = CliErrors.Translate(new InvalidCastException("nope"));

        Assert.True(translated.IsUnexpected);
        Assert.Equal("unexpected failure: InvalidCastException: nope", translated.Error.Message);
        Assert.Contains(HoistCli.DebugVariable, translated.Error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void NoCluster_WhenNothingIsConfigured()
    {
        var error = ClusterAccess.Problem(null, null, _ => false, "/home/me/.kube/config", inCluster: false, "set KUBECONFIG or use --local");

        Assert.NotNull(error);
        Assert.Equal("no Kubernetes cluster configured (KUBECONFIG is not set)", error.Message);
        Assert.Equal("set KUBECONFIG or use --local", error.Hint);
    }

    [Fact]
    public void NoCluster_WhenKubeconfigNamesMissingFiles()
    {
        var error = ClusterAccess.Problem(null, "/a:/b", _ => false, "/home/me/.kube/config", inCluster: false, "hint");

        Assert.Equal("KUBECONFIG names no existing file (/a:/b)", error?.Message);
    }

    [Fact]
    public void NoCluster_WhenTheKubeconfigOptionNamesAMissingFile()
    {
        var error = ClusterAccess.Problem("/nope", "/exists", f => f == "/exists", "/home/me/.kube/config", inCluster: false, "hint");

        Assert.Equal("the kubeconfig file /nope does not exist", error?.Message);
    }

    [Theory]
    [InlineData("/kc", null, false, false)]
    [InlineData(null, "/missing:/kc", false, false)]
    [InlineData(null, null, true, false)]
    [InlineData(null, null, false, true)]
    public void AClusterMayBeReached_ThroughAnyOfKubectlsWays(string? option, string? variable, bool homeExists, bool inCluster) =>
        Assert.Null(ClusterAccess.Problem(option, variable, f => f == "/kc" || (homeExists && f == "/home/me/.kube/config"), "/home/me/.kube/config", inCluster, "hint"));
}

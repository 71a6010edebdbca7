using Hoist.Cli.Cluster;

namespace Hoist.Cli.Tests;

/// <summary>
/// status, teardown and call find a service that names its own namespace ([Compute(Namespace)]) without
/// --namespace: where it is, unless --namespace says where to look (issue 16, worth a test).
/// </summary>
public sealed class ServiceNamespacesTests
{
    [Fact]
    public void AServiceInItsOwnNamespace_IsFoundThere() =>
        Assert.Equal("gpu-team", ServiceNamespaces.Choose("embed", "default", namedOnCommandLine: false, ["gpu-team"]));

    [Fact]
    public void TheCurrentNamespace_WinsWhenTheServiceIsThere() =>
        Assert.Equal("default", ServiceNamespaces.Choose("embed", "default", namedOnCommandLine: false, ["gpu-team", "default"]));

    [Fact]
    public void NamespaceOnTheCommandLine_IsTheOnlyPlaceLooked() =>
        Assert.Equal("default", ServiceNamespaces.Choose("embed", "default", namedOnCommandLine: true, ["gpu-team"]));

    [Fact]
    public void NowhereToBeFound_StaysInTheCurrentNamespace_SoTheErrorNamesIt() =>
        Assert.Equal("default", ServiceNamespaces.Choose("embed", "default", namedOnCommandLine: false, []));

    [Fact]
    public void SeveralOtherNamespaces_AskWhichOne()
    {
        var error = Assert.Throws<CliException>(() => ServiceNamespaces.Choose("embed", "default", namedOnCommandLine: false, ["team-b", "team-a", "team-b"])).Error;

        Assert.Equal("service 'embed' runs in several namespaces (team-a, team-b), none of them the current one (default)", error.Message);
        Assert.Equal("pass --namespace team-a (or another of them)", error.Hint);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }
}

using Hoist.Client;
using Hoist.Transport;

namespace Hoist.Runtime.Tests.Client;

/// <summary>How a deployment picks where a call goes: the least loaded replica or group, ties broken round-robin.</summary>
public sealed class PickTests
{
    private sealed class Deployment(IReadOnlyList<IReadOnlyList<WorkerEndpoint>> groups) : ServiceDeployment(new ServiceDescriptor
    {
        Name = "s",
        Kind = ServiceKind.Method,
        DeclaringType = "T",
        AssemblyName = "A",
        Methods = ["M"],
    })
    {
        public override IReadOnlyList<WorkerEndpoint> Endpoints { get; } = groups.SelectMany(g => g).ToArray();

        public override IReadOnlyList<IReadOnlyList<WorkerEndpoint>> Groups => groups;
    }

    private static WorkerEndpoint Endpoint(string replica, int rank = 0, int inFlight = 0)
    {
        var endpoint = new WorkerEndpoint("s", replica, rank, new Uri("http://127.0.0.1:1"), "token");
        for (var i = 0; i < inFlight; i++)
        {
            endpoint.BeginCall();
        }

        return endpoint;
    }

    [Fact]
    public void PickReplica_TakesTheLeastLoaded()
    {
        var deployment = new Deployment([[Endpoint("a", inFlight: 2)], [Endpoint("b", inFlight: 0)], [Endpoint("c", inFlight: 1)]]);

        Assert.All(Enumerable.Range(0, 6), _ => Assert.Equal("b", deployment.PickReplica().Replica));
    }

    [Fact]
    public void PickReplica_BreaksTiesRoundRobin_SoIdleReplicasShareTheCalls()
    {
        var deployment = new Deployment([[Endpoint("a")], [Endpoint("b")], [Endpoint("c")]]);

        var picked = Enumerable.Range(0, 9).Select(_ => deployment.PickReplica().Replica).ToArray();

        Assert.All(picked.GroupBy(r => r), g => Assert.Equal(3, g.Count()));
        Assert.Equal(3, picked.Distinct().Count());
    }

    [Fact]
    public void PickGroup_TakesTheGroupWhoseBusiestRankIsLeastLoaded_AllItsRanksInOrder()
    {
        // A distributed call runs on every rank: group a runs one call (both ranks count it), b is idle.
        var deployment = new Deployment(
        [
            [Endpoint("a", 0, inFlight: 1), Endpoint("a", 1, inFlight: 1)],
            [Endpoint("b", 0), Endpoint("b", 1)],
        ]);

        var group = deployment.PickGroup();

        Assert.Equal(["b", "b"], group.Select(e => e.Replica));
        Assert.Equal([0, 1], group.Select(e => e.Rank));
        Assert.Equal(1, ServiceDeployment.GroupInFlight(deployment.Groups[0]));
    }

    [Fact]
    public void PickGroup_BreaksTiesRoundRobin()
    {
        var deployment = new Deployment([[Endpoint("a", 0), Endpoint("a", 1)], [Endpoint("b", 0), Endpoint("b", 1)]]);

        var picked = Enumerable.Range(0, 4).Select(_ => deployment.PickGroup()[0].Replica).ToArray();

        Assert.Equal(2, picked.Count(r => r == "a"));
        Assert.Equal(2, picked.Count(r => r == "b"));
    }
}

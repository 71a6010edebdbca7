using Grpc.Core;
using Grpc.Net.Client;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Protocol;
using k8s.Models;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// Two controllers of one app (a <c>kubectl scale</c>, a rollout's old pod) over a recorded sequence of the leader
/// Lease as the API server would hold it: only one leads at a time, and the other takes over once renewals stop.
/// </summary>
public sealed class LeaderElectionTests
{
    private const string Name = "myapp-hoist-controller";
    private const string Ns = "ml";
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 16, 0, 0, TimeSpan.Zero);

    // What the API server stores after a write: the written Lease with a new resourceVersion.
    private static V1Lease Stored(V1Lease written, int version)
    {
        written.Metadata.ResourceVersion = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return written;
    }

    [Fact]
    public void TwoControllers_OneLeads_TheOtherFollows_UntilRenewalsStop_ThenItTakesOver()
    {
        // a: no Lease yet, so it creates one and leads.
        var first = LeaderElection.Decide(null, Name, Ns, "pod-a", T0);
        Assert.True(first.Leads);
        Assert.True(first.Create);
        var lease = Stored(first.Write!, 100);

        // b, 1 s later, finds a's fresh Lease: it follows and writes nothing.
        var follower = LeaderElection.Decide(lease, Name, Ns, "pod-b", T0.AddSeconds(1));
        Assert.False(follower.Leads);
        Assert.Null(follower.Write);
        Assert.Equal("pod-a", follower.Holder);

        // a renews every tick, with the resourceVersion it read, so a racing write would get 409.
        var renewal = LeaderElection.Decide(lease, Name, Ns, "pod-a", T0.AddSeconds(2));
        Assert.True(renewal.Leads);
        Assert.False(renewal.Create);
        Assert.Equal("100", renewal.Write!.Metadata.ResourceVersion);
        lease = Stored(renewal.Write, 101);
        Assert.Equal(0, lease.Spec.LeaseTransitions);

        // a is partitioned: b still follows within the lease duration, and takes over after it.
        Assert.False(LeaderElection.Decide(lease, Name, Ns, "pod-b", T0.AddSeconds(2) + LeaderElection.LeaseDuration - TimeSpan.FromSeconds(1)).Leads);
        var takeover = LeaderElection.Decide(lease, Name, Ns, "pod-b", T0.AddSeconds(2) + LeaderElection.LeaseDuration);
        Assert.True(takeover.Leads);
        Assert.Equal("pod-b", takeover.Write!.Spec.HolderIdentity);
        Assert.Equal(1, takeover.Write.Spec.LeaseTransitions);
        lease = Stored(takeover.Write, 102);

        // a comes back: the Lease is b's and fresh, so a follows rather than fight over /scale.
        var back = LeaderElection.Decide(lease, Name, Ns, "pod-a", T0.AddSeconds(18));
        Assert.False(back.Leads);
        Assert.Equal("pod-b", back.Holder);
    }

    [Fact]
    public void ALeaseWithNoHolder_IsTaken()
    {
        var released = new V1Lease { Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Ns, ResourceVersion = "7" }, Spec = new V1LeaseSpec { LeaseDurationSeconds = 15 } };

        var decision = LeaderElection.Decide(released, Name, Ns, "pod-b", T0);

        Assert.True(decision.Leads);
        Assert.Equal("7", decision.Write!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task ANonLeader_RefusesActivate_WithUnavailable_WhichTheClientRetries()
    {
        var asked = 0;
        await using var host = await ActivatorHost.StartAsync((_, _) =>
        {
            asked++;
            return Task.FromResult(new WorkloadActivation(1, false, TimeSpan.Zero));
        }, isLeader: false);
        using var channel = GrpcChannel.ForAddress(host.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => new Protocol.Activator.ActivatorClient(channel)
            .ActivateAsync(new ActivateRequest { Service = "train" }, ActivatorHost.Authorized, DateTime.UtcNow.AddSeconds(20)).ResponseAsync);
        var answer = await ControllerActivation.ActivateAsync(new Protocol.Activator.ActivatorClient(channel), "train", ActivatorHost.Token, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("not the leader", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(answer.Retry);
        Assert.Null(ControllerActivation.Failure("train", TimeSpan.FromSeconds(5), error.Status));
        Assert.Equal(0, asked);
    }
}

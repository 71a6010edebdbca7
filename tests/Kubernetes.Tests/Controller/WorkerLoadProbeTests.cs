using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Backends.Local;
using Hoist.Manifests;
using Hoist.Protocol;
using k8s.Models;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// Which of a workload's pods the controller asks for their calls in flight, where, and what their answers add up
/// to: a pod that does not answer leaves the load unknown, never idle.
/// </summary>
public sealed class WorkerLoadProbeTests
{
    private static V1Pod Pod(string name, string? ip, bool ready, int? grpcPort = 50051)
    {
        var pod = Pods.Pod(name, "Running", Pods.Running(ready), conditions: Pods.Condition("Ready", ready ? "True" : "False"));
        pod.Status.PodIP = ip;
        if (grpcPort is { } port)
        {
            pod.Spec.Containers[0].Ports = [new V1ContainerPort { Name = WorkerContainer.GrpcPortName, ContainerPort = port }];
        }

        return pod;
    }

    private static LoadTarget Target(string pod, bool required = true) => new(pod, new Uri("http://10.0.0.1:50051"), required);

    private static WorkerLoad Load(int inFlight, ulong started = 0, long idleSinceMs = 0) =>
        new() { InFlight = inFlight, CallsStarted = started, IdleSinceUnixMs = idleSinceMs };

    [Fact]
    public void Targets_AreRunningPodsAtTheirIp_AndOnlyReadyOnesMustAnswer()
    {
        var leaving = Pod("train-3", "10.0.0.4", ready: true);
        leaving.Metadata.DeletionTimestamp = DateTime.UtcNow;
        var pending = Pods.Pod("train-4", "Pending");

        var targets = WorkerLoadProbe.Targets([Pod("train-1", "10.0.0.2", ready: false), leaving, pending, Pod("train-0", "10.0.0.1", ready: true)]);

        Assert.Equal(
            [new LoadTarget("train-0", new Uri("http://10.0.0.1:50051"), Required: true), new LoadTarget("train-1", new Uri("http://10.0.0.2:50051"), Required: false)],
            targets);
    }

    [Fact]
    public void Targets_BracketAnIpv6Address_TakeTheGrpcContainerPort_AndKeepAReadyPodWithoutIp()
    {
        var targets = WorkerLoadProbe.Targets([Pod("a", "fd00::2", ready: true, grpcPort: 6000), Pod("b", null, ready: true), Pod("c", "10.0.0.3", ready: true, grpcPort: null)]);

        Assert.Equal(
            [new Uri("http://[fd00::2]:6000"), null, new Uri($"http://10.0.0.3:{ManifestOptions.DefaultGrpcPort}")],
            targets.Select(t => t.Address));
        Assert.All(targets, t => Assert.True(t.Required));
    }

    [Fact]
    public void AllAnsweredWithNoCall_IsIdle_SinceTheLastPodWentIdle()
    {
        var load = new WorkloadLoad([new PodLoad(Target("a"), Load(0, 3, 1_000)), new PodLoad(Target("b"), Load(0, 4, 2_000))]);

        Assert.Equal((true, 0, 0, 7UL), (load.IsIdle, load.InFlight, load.Unknown, load.CallsStarted));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(2_000), load.IdleSince);
    }

    [Fact]
    public void AReadyPodThatDidNotAnswer_LeavesTheLoadUnknown_NotIdle()
    {
        var load = new WorkloadLoad([new PodLoad(Target("a"), Load(0, 3, 1_000)), new PodLoad(Target("b"), null, "DeadlineExceeded")]);

        Assert.Equal((false, 0, 1, 1), (load.IsIdle, load.InFlight, load.Unknown, load.Answered));
        Assert.Null(load.IdleSince);
    }

    [Fact]
    public void APodNotReady_CountsItsCalls_ButItsSilenceIsNotUnknown()
    {
        var silent = new WorkloadLoad([new PodLoad(Target("a"), Load(0)), new PodLoad(Target("b", required: false), null, "Unavailable")]);
        var busy = new WorkloadLoad([new PodLoad(Target("a"), Load(0)), new PodLoad(Target("b", required: false), Load(2))]);

        Assert.True(silent.IsIdle);
        Assert.Equal((false, 2), (busy.IsIdle, busy.InFlight));
    }

    [Fact]
    public void NoPodsRunning_IsIdle()
    {
        Assert.True(new WorkloadLoad([]).IsIdle);
        Assert.Null(new WorkloadLoad([]).IdleSince);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PodSelector_IsTheRenderedWorkloadsOwnSelector(bool distributed)
    {
        var descriptor = distributed
            ? Descriptors.Distributed() with { Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = 60 } }
            : Descriptors.Plain();
        var rendered = ManifestRenderer.Render(descriptor, Descriptors.Options);
        var (workload, matchLabels) = distributed
            ? rendered.OfType<V1StatefulSet>().Select(s => (WorkloadKinds.StatefulSet.ScaledOf(s)!, s.Spec.Selector.MatchLabels)).Single()
            : rendered.OfType<V1Deployment>().Select(d => (WorkloadKinds.Deployment.ScaledOf(d)!, d.Spec.Selector.MatchLabels)).Single();

        Assert.Equal(Manifests.HoistSelectors.Format(matchLabels), workload.PodSelector);
    }

    /// <summary>
    /// The real gRPC path without a cluster: a pod whose IP is this machine's loopback and whose "grpc" port is a local
    /// worker's, beside a ready pod whose port refuses and one that accepts but never answers.
    /// </summary>
    [Fact]
    public async Task ReadAsync_AsksRealWorkers_AndTakesThoseThatDoNotAnswerAsUnknown()
    {
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(TestApp.Probe).Module.ModuleHandle);
        await using var app = await HoistApplication.StartAsync([], o => o.Local.Transport = "tcp");
        var worker = (await ((LocalBackend)app.Client.Backend).GetDeploymentAsync("probe", CancellationToken.None)).Endpoints[0].Address;
        using var mute = new TcpListener(IPAddress.Loopback, 0);
        mute.Start();
        var mutePort = ((IPEndPoint)mute.LocalEndpoint).Port;
        var refusingPort = FreePort();
        V1Pod[] pods = [Pod("probe-0", worker.Host, ready: true, worker.Port), Pod("probe-1", "127.0.0.1", ready: true, refusingPort), Pod("probe-2", "127.0.0.1", ready: true, mutePort)];

        var call = TestApp.Probe.Remote.WithInvoker(app.Client).DelayAsync(3_000);
        WorkloadLoad during;
        var clock = Stopwatch.StartNew();
        do
        {
            during = await WorkerLoadProbe.ReadAsync(pods, WorkerLoadProbe.Deadline, CancellationToken.None);
        }
        while (during.InFlight == 0 && clock.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal((1, 1, 2, false), (during.InFlight, during.Answered, during.Unknown, during.IsIdle));
        Assert.Equal("probe", during.Pods[0].Load!.Service);
        Assert.Contains("DeadlineExceeded", during.Pods[2].Failure);

        await call;
        clock.Restart();
        var after = await WorkerLoadProbe.ReadAsync(pods, WorkerLoadProbe.Deadline, CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"The probe took {clock.Elapsed}: a pod that does not answer must not hold it past its deadline.");
        Assert.Equal((0, 2), (after.InFlight, after.Unknown));
        Assert.False(after.IsIdle);

        var alone = await WorkerLoadProbe.ReadAsync(pods[..1], WorkerLoadProbe.Deadline, CancellationToken.None);
        Assert.True(alone.IsIdle);
        Assert.InRange(alone.IdleSince!.Value, DateTimeOffset.UtcNow.AddSeconds(-10), DateTimeOffset.UtcNow);
        Assert.Equal(during.CallsStarted, alone.CallsStarted);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void ASilentPod_IsWarnedAboutOnce_NotOnEveryTick()
    {
        var warned = new HashSet<string>(StringComparer.Ordinal);

        Assert.True(WorkerLoadProbe.FirstSilence(warned, "ml/train-0"));
        Assert.False(WorkerLoadProbe.FirstSilence(warned, "ml/train-0"));
        Assert.True(WorkerLoadProbe.FirstSilence(warned, "ml/train-1"));
    }
}

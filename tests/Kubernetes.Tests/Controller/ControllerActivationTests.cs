using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Manifests;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// A client's side of the activator: whether a deploy goes through the controller and by which route (pure), and what
/// the controller's answers become, over real gRPC to the controller's own host on loopback (the cluster-DNS route,
/// pointed at 127.0.0.1).
/// </summary>
public sealed class ControllerActivationTests
{
    private static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(60);

    private static ServiceDescriptor AutoscaledGroup() => Descriptors.Distributed(workers: 4) with
    {
        Compute = Descriptors.Plain().Compute with { InactivityTtl = null },
        Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = 60 },
    };

    [Fact]
    public void Route_FromAPod_IsTheControllerServicesDnsName_OnItsGrpcPort()
    {
        var route = ControllerActivation.Route(scaledByController: true, controllerServiceExists: true, clusterDns: true, "ml", "myapp-hoist-controller", "sel", "cluster.local");

        var dns = Assert.IsType<DnsRoute>(route);
        Assert.Equal(new Uri("http://myapp-hoist-controller.ml.svc.cluster.local:8012"), dns.Address);
    }

    [Fact]
    public void Route_FromOutside_IsAPortForwardToAReadyControllerPod()
    {
        var options = Descriptors.Options;
        var route = ControllerActivation.Route(true, true, clusterDns: false, "ml", ControllerManifests.Name(options), ControllerManifests.PodSelector(options), "cluster.local");

        var forward = Assert.IsType<PortForwardRoute>(route);
        Assert.Equal(("ml", null, ControllerManifests.PodSelector(options), 8012), (forward.Namespace, forward.Pod, forward.PodSelector, forward.Port));
        Assert.Null(forward.AtZero);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void Route_IsNone_UnlessTheControllerScalesTheServiceAndItsServiceExists(bool scaled, bool serviceExists)
    {
        Assert.Null(ControllerActivation.Route(scaled, serviceExists, clusterDns: true, "ml", "c", "sel", "cluster.local"));
        Assert.Null(ControllerActivation.Route(scaled, serviceExists, clusterDns: false, "ml", "c", "sel", "cluster.local"));
    }

    [Fact]
    public void ServicesTheControllerScales_AreTheRenderedOnesItsReaderTakes()
    {
        // The client decides with the controller's own rule, on the objects it applies.
        Assert.Contains(ManifestRenderer.Render(AutoscaledGroup(), Descriptors.Options), ControllerManifests.Scales);
        Assert.Contains(ManifestRenderer.Render(Descriptors.Plain(), Descriptors.Options), ControllerManifests.Scales);
        Assert.DoesNotContain(ManifestRenderer.Render(Descriptors.Plain() with { Compute = Descriptors.Plain().Compute with { InactivityTtl = null } }, Descriptors.Options), ControllerManifests.Scales);
        Assert.DoesNotContain(ManifestRenderer.Render(Descriptors.Autoscaled(), Descriptors.Options), ControllerManifests.Scales);
    }

    [Fact]
    public void ServicesTheControllerScales_AreKnownByTheirMetadataAlone_AsHoistCallFindsThem()
    {
        // hoist call lists workloads by label and sees only their metadata: the same rule must give the same answer.
        foreach (var descriptor in new[] { AutoscaledGroup(), Descriptors.Plain(), Descriptors.Distributed(), Descriptors.Plain() with { Compute = Descriptors.Plain().Compute with { InactivityTtl = null } } })
        {
            foreach (var rendered in ManifestRenderer.Render(descriptor, Descriptors.Options))
            {
                IKubernetesObject<V1ObjectMeta>? metadataOnly = rendered switch
                {
                    V1StatefulSet => new V1StatefulSet { Metadata = rendered.Metadata },
                    V1Deployment => new V1Deployment { Metadata = rendered.Metadata },
                    _ => null,
                };
                if (metadataOnly is not null)
                {
                    Assert.Equal(ControllerManifests.Scales(rendered), ControllerManifests.Scales(metadataOnly));
                }
            }
        }
    }

    [Fact]
    public void ControllerDiagnosis_ReadsThePodsTheClientWaitsOn()
    {
        // The controller rebuilds the selector from the live workload; the client's comes from what it rendered.
        var objects = ManifestRenderer.Render(AutoscaledGroup(), Descriptors.Options);
        var workload = WorkloadKinds.StatefulSet.ScaledOf(objects.OfType<V1StatefulSet>().Single())!;

        Assert.Equal(ServiceLayout.From(AutoscaledGroup(), objects).PodSelector, workload.PodSelector);
    }

    [Fact]
    public async Task Activate_ThroughTheDnsRoute_ReturnsWhatTheControllerHeld()
    {
        await using var host = await ActivatorHost.StartAsync((_, _) => Task.FromResult(new WorkloadActivation(4, Woken: true, TimeSpan.FromSeconds(3))));

        var answer = await ActivateAsync(host.Address);

        Assert.Equal(new WorkloadActivation(4, true, TimeSpan.FromSeconds(3)), answer.Ready);
        Assert.Null(answer.NotHeld);
    }

    [Fact]
    public async Task Activate_WhenTheLaunchFails_IsAWorkerLaunchException_WithTheControllersDiagnosis()
    {
        var diagnosis = ActivatorServiceTests.CrashDiagnosis();
        await using var host = await ActivatorHost.StartAsync((service, _) => throw new WorkerLaunchException(service, "train-0", diagnosis, "boom", 1));

        var error = await Assert.ThrowsAsync<WorkerLaunchException>(() => ActivateAsync(host.Address));

        Assert.Equal("train", error.Service);
        Assert.Equal(diagnosis, error.Message);
    }

    [Fact]
    public async Task Activate_WhenTooManyCallsWait_IsRejected_ResourceExhausted()
    {
        await using var host = await ActivatorHost.StartAsync((service, _) => throw new CallRejectedException(service, null, StatusCode.ResourceExhausted, "queue full"));

        var error = await Assert.ThrowsAsync<CallRejectedException>(() => ActivateAsync(host.Address));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("queue full", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unimplemented")]
    [InlineData("not-found")]
    public async Task Activate_WhenTheControllerDoesNotHoldTheCall_SaysWhy_AndLeavesTheWaitToTheClient(string answer)
    {
        await using var host = await ActivatorHost.StartAsync((service, _) => answer == "not-found"
            ? throw new WorkloadNotScaledException(service)
            : throw new NotSupportedException("cannot hold calls"));

        var result = await ActivateAsync(host.Address);

        Assert.Null(result.Ready);
        Assert.StartsWith(answer == "not-found" ? "NotFound" : "Unimplemented", result.NotHeld, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activate_OfAnUnreachableController_LeavesTheWaitToTheClient()
    {
        var answer = await ActivateAsync(new Uri($"http://127.0.0.1:{UnusedPort()}"));

        Assert.Null(answer.Ready);
        Assert.StartsWith("Unavailable", answer.NotHeld, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activate_CancelledByTheCaller_IsCancelled_NotALaunchFailure()
    {
        await using var host = await ActivatorHost.StartAsync(async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ActivateAsync(host.Address, cancel.Token));
    }

    [Theory]
    [InlineData(StatusCode.FailedPrecondition, typeof(WorkerLaunchException))]
    [InlineData(StatusCode.DeadlineExceeded, typeof(WorkerLaunchException))]
    [InlineData(StatusCode.ResourceExhausted, typeof(CallRejectedException))]
    [InlineData(StatusCode.Unavailable, null)]
    [InlineData(StatusCode.Unimplemented, null)]
    [InlineData(StatusCode.NotFound, null)]
    [InlineData(StatusCode.Internal, null)]
    public void Failure_OfEachStatus(StatusCode status, Type? failure)
    {
        Assert.Equal(failure, ControllerActivation.Failure("train", LaunchTimeout, new Status(status, "why"))?.GetType());
    }

    private static Task<ActivatorAnswer> ActivateAsync(Uri address, CancellationToken cancellationToken = default)
    {
        var connector = new WorkerConnector(NullLogger.Instance);
        var channel = connector.CreateChannel(cluster: null, new DnsRoute(0, "myapp-hoist-controller", address));
        return Run();

        async Task<ActivatorAnswer> Run()
        {
            using (channel)
            {
                return await ControllerActivation.ActivateAsync(new Protocol.Activator.ActivatorClient(channel), "train", ActivatorHost.Token, LaunchTimeout, TimeProvider.System, cancellationToken);
            }
        }
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

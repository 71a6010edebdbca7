using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Hoist.Backends.Kubernetes;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Protocol;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>The activator endpoint over real gRPC: every answer a held call can get, and that none of them hangs.</summary>
public sealed class ActivatorServiceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Activate_OfAServiceThatStarts_AnswersWithItsReadyReplicas()
    {
        string? asked = null;
        await using var host = await ActivatorHost.StartAsync((service, _) =>
        {
            asked = service;
            return Task.FromResult(new WorkloadActivation(4, Woken: true, TimeSpan.FromMilliseconds(1500)));
        });

        using var channel = GrpcChannel.ForAddress(host.Address);
        var activation = await new Protocol.Activator.ActivatorClient(channel).ActivateAsync(new ActivateRequest { Service = "train" }, ActivatorHost.Authorized, Deadline());

        Assert.Equal("train", asked);
        Assert.Equal((4, true, 1500L), (activation.ReadyReplicas, activation.Woken, activation.WaitedMs));
    }

    [Fact]
    public async Task Activate_OfAServiceTheControllerDoesNotScale_IsNotFound_NamingTheServiceAndWhatItScales()
    {
        await using var host = await ActivatorHost.StartAsync((service, _) => throw new WorkloadNotScaledException(service));

        var error = await ActivateFailsAsync(host, "embed");

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'embed'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"app '{ActivatorHost.App}' in namespace '{ActivatorHost.Namespace}'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activate_WhenTheServiceDoesNotStartInTime_IsFailedPrecondition_WithTheLaunchDiagnosis()
    {
        var diagnosis = CrashDiagnosis();
        await using var host = await ActivatorHost.StartAsync((service, _) => throw new WorkerLaunchException(service, "train-0", diagnosis, "boom", 1));

        var error = await ActivateFailsAsync(host, "train");

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(diagnosis, error.Status.Detail);
    }

    [Fact]
    public async Task Activate_WhenTooManyCallsWait_IsResourceExhausted()
    {
        await using var host = await ActivatorHost.StartAsync((service, _) =>
            throw new CallRejectedException(service, null, StatusCode.ResourceExhausted, "1000 calls already wait for service 'train'."));

        var error = await ActivateFailsAsync(host, "train");

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("1000 calls already wait", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activate_OfAControllerThatCannotHoldCalls_IsUnimplemented()
    {
        await using var host = await ActivatorHost.StartAsync((_, _) => throw new NotSupportedException("not wired yet"));

        var error = await ActivateFailsAsync(host, "train");

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains("not wired yet", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activate_HonoursTheCallersDeadline_AndStopsTheActivatorsWait()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await ActivatorHost.StartAsync(async (_, cancellationToken) =>
        {
            // A service that never becomes ready; only the caller's deadline ends the wait.
            using var registration = cancellationToken.Register(() => released.TrySetResult());
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        });

        // The connection first, so the deadline below is spent waiting in the activator rather than connecting (a call
        // whose deadline passes before it reaches the server never reaches the activator either).
        using var channel = GrpcChannel.ForAddress(host.Address);
        await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: Deadline());

        var started = TimeProvider.System.GetTimestamp();
        var error = await Assert.ThrowsAsync<RpcException>(() => new Protocol.Activator.ActivatorClient(channel)
            .ActivateAsync(new ActivateRequest { Service = "train" }, ActivatorHost.Authorized, DateTime.UtcNow.AddSeconds(1)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
        await released.Task.WaitAsync(Bound);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-token")]
    public async Task Activate_WithoutTheAppsToken_IsPermissionDenied_AndWakesNothing(string? token)
    {
        var asked = false;
        await using var host = await ActivatorHost.StartAsync((service, _) =>
        {
            asked = true;
            throw new WorkerLaunchException(service, "train-0", CrashDiagnosis(), "boom", 1);
        });
        using var channel = GrpcChannel.ForAddress(host.Address);
        var headers = token is null ? new Metadata() : new Metadata { { WorkerProtocol.TokenHeader, token } };

        var error = await Assert.ThrowsAsync<RpcException>(() => new Protocol.Activator.ActivatorClient(channel)
            .ActivateAsync(new ActivateRequest { Service = "train" }, headers, Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.DoesNotContain("boom", error.Status.Detail, StringComparison.Ordinal);
        Assert.False(asked);
    }

    [Fact]
    public async Task Activate_WithoutAService_IsInvalidArgument()
    {
        await using var host = await ActivatorHost.StartAsync((_, _) => throw new InvalidOperationException("must not be asked"));

        var error = await ActivateFailsAsync(host, "");

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Host_ServesGrpcHealth_ForItsReadinessProbe()
    {
        await using var host = await ActivatorHost.StartAsync((_, _) => throw new InvalidOperationException("must not be asked"));
        using var channel = GrpcChannel.ForAddress(host.Address);

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: Deadline());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    /// <summary>A diagnosis as the controller words it, through the same message a client's own deploy gives.</summary>
    internal static string CrashDiagnosis() => LaunchFailureDiagnosis.Message(
        "train",
        TimeSpan.FromSeconds(60),
        new LaunchDiagnosis(LaunchFailureKind.CrashLoop, "CrashLoopBackOff", "pod train-0, container worker keeps exiting (exit code 1, 5 restarts)", "train-0", "worker", 1),
        "Unhandled exception. System.InvalidOperationException: boom",
        "StatefulSet train: 0/4 ready");

    private static async Task<RpcException> ActivateFailsAsync(ActivatorHost host, string service)
    {
        using var channel = GrpcChannel.ForAddress(host.Address);
        var client = new Protocol.Activator.ActivatorClient(channel);
        return await Assert.ThrowsAsync<RpcException>(() => client.ActivateAsync(new ActivateRequest { Service = service }, ActivatorHost.Authorized, Deadline()).ResponseAsync);
    }

    private static DateTime Deadline() => DateTime.UtcNow + Bound;
}

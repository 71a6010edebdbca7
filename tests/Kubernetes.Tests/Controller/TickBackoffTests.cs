using System.Net;
using System.Text.Json;
using Hoist.Backends.Kubernetes.Controller;
using k8s.Autorest;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>What the controller's loop does when a tick, or one workload's part of it, meets each failure the API client throws.</summary>
public sealed class TickBackoffTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 16, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Failures => ["403 Forbidden", "connection refused", "client timeout", "bad body", "forbidden Lease list", "anything else"];

    private static Exception Failure(string name) => name switch
    {
        "403 Forbidden" => new HttpOperationException("Operation returned an invalid status code 'Forbidden'")
        {
            Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.Forbidden) { ReasonPhrase = "Forbidden" }, "{\"kind\":\"Status\",\"code\":403}"),
        },
        "connection refused" => new HttpRequestException("Connection refused (kubernetes.default.svc:443)"),

        // KubernetesClient's HttpClient gives up after 100 s with a TaskCanceledException of its own.
        "client timeout" => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException()),
        "bad body" => new JsonException("'<' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0."),
        "forbidden Lease list" => new InvalidOperationException("The controller may not list Leases in namespace 'ml': its Role must grant coordination.k8s.io leases list."),
        _ => new NullReferenceException("a bug in one workload's tick"),
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void ATickThatFails_IsSurvived_AndRetriedAfterABackoff(string failure)
    {
        using var stopping = new CancellationTokenSource();
        var error = Failure(failure);

        Assert.True(TickBackoff.Survives(error, stopping.Token));
        var backoff = TickBackoff.After(null, Now);
        Assert.Equal(Now + TimeSpan.FromSeconds(2), backoff.RetryAt);
        Assert.False(backoff.IsDue(Now + TimeSpan.FromSeconds(1)));
        Assert.True(backoff.IsDue(Now + TimeSpan.FromSeconds(2)));
        Assert.NotEmpty(TickBackoff.Describe(error));
    }

    [Fact]
    public void TheHostsOwnStop_EndsTheLoop_AndSoDoesOutOfMemory()
    {
        using var stopping = new CancellationTokenSource();
        stopping.Cancel();

        Assert.False(TickBackoff.Survives(new OperationCanceledException(stopping.Token), stopping.Token));
        Assert.False(TickBackoff.Survives(new OutOfMemoryException(), CancellationToken.None));

        // A request timeout while the host runs is not its stop.
        Assert.True(TickBackoff.Survives(new TaskCanceledException("timeout"), CancellationToken.None));
    }

    [Fact]
    public void RepeatedFailures_DoubleTheWait_UpToAMinute()
    {
        TickBackoff? backoff = null;
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 8; i++)
        {
            backoff = TickBackoff.After(backoff, Now);
            waits.Add(backoff.Value.RetryAt - Now);
        }

        Assert.Equal([2, 4, 8, 16, 32, 60, 60, 60], waits.Select(w => (int)w.TotalSeconds));
        Assert.Equal(8, backoff!.Value.Failures);
    }

    [Fact]
    public void Liveness_HoldsWhileTicksEnd_AndFailsWhenTheLoopIsStuck()
    {
        Assert.True(ControllerLiveness.IsAlive(Now, Now + TimeSpan.FromMinutes(1)));
        Assert.True(ControllerLiveness.IsAlive(Now, Now + TimeSpan.FromSeconds(299)));
        Assert.False(ControllerLiveness.IsAlive(Now, Now + ControllerLiveness.Stall));
    }
}

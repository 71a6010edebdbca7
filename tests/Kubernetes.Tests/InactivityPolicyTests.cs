using Hoist.Backends.Kubernetes;
using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Kubernetes.Tests;

public sealed class InactivityPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null, 30)]
    [InlineData("3s", 1)]
    [InlineData("1m", 15)]
    [InlineData("24h", 30)]
    public void CheckInterval_IsAQuarterOfTheTtl_Between1And30Seconds(string? ttl, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), InactivityPolicy.CheckInterval(InactivityPolicy.Ttl(ttl)));

    [Fact]
    public void Stamp_RoundTrips_AsUtcRfc3339()
    {
        var text = InactivityPolicy.Format(new DateTimeOffset(2025, 6, 1, 14, 30, 5, TimeSpan.FromHours(2)));

        Assert.Equal("2025-06-01T12:30:05Z", text);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 12, 30, 5, TimeSpan.Zero), InactivityPolicy.Parse(text));
    }

    [Fact]
    public void LastActivity_IsTheLatestOfTheStampAndThisClient_ElseCreation()
    {
        var stamped = new Dictionary<string, string> { [InactivityPolicy.LastActivityAnnotation] = "2025-06-01T11:00:00Z" };
        var created = new DateTime(2025, 6, 1, 9, 0, 0, DateTimeKind.Utc);

        Assert.Equal(Now.AddHours(-1), InactivityPolicy.LastActivity(null, stamped, created, Now.AddHours(-2)));
        Assert.Equal(Now.AddMinutes(-5), InactivityPolicy.LastActivity(null, stamped, created, Now.AddMinutes(-5)));
        Assert.Equal(Now.AddHours(-3), InactivityPolicy.LastActivity(null, null, created, null));
        Assert.Equal(Now.AddMinutes(-10), InactivityPolicy.LastActivity(Now.AddMinutes(-10), stamped, created, Now.AddHours(-2))); // the Lease, newer than an old client's stamp
        Assert.Equal(Now.AddHours(-1), InactivityPolicy.LastActivity(Now.AddHours(-2), stamped, created, null)); // an old client still calling
    }

    [Fact]
    public void WhereAnAppHasAController_TheTtlOfWhatItScales_IsTheControllersAlone()
    {
        var rendered = ManifestRenderer.Render(Descriptors.Distributed() with { Compute = Descriptors.Plain().Compute with { InactivityTtl = "30m" } }, Descriptors.Options);
        var group = rendered.OfType<V1StatefulSet>().Single().Metadata;
        var controller = ControllerManifests.Render(Descriptors.Options, "mcr.microsoft.com/dotnet/aspnet:10.0", ["ml"]).OfType<V1Deployment>().Single().Metadata;
        var withController = new HashSet<string>([controller.Labels[ManifestLabels.PartOf]], StringComparer.Ordinal);

        Assert.True(InactivityPolicy.LeftToController(WorkloadKinds.StatefulSet, group, withController));
        Assert.False(InactivityPolicy.LeftToController(WorkloadKinds.StatefulSet, group, new HashSet<string>(StringComparer.Ordinal)));
        Assert.False(InactivityPolicy.LeftToController(WorkloadKinds.StatefulSet, group, new HashSet<string>(["another-app"], StringComparer.Ordinal)));

        // Knative and KubeRay scale themselves: the controller does not, so clients keep their TTL.
        Assert.False(InactivityPolicy.LeftToController(WorkloadKinds.Knative, group, withController));
        Assert.False(InactivityPolicy.LeftToController(WorkloadKinds.Ray, group, withController));
    }

    [Fact]
    public void Expired_ListsOnlyServicesWithATtl_IdleLongerThanIt()
    {
        V1ObjectMeta Workload(string service, string? ttl, string? lastActivity, bool deleting = false)
        {
            var annotations = new Dictionary<string, string>();
            if (ttl is not null)
            {
                annotations[ManifestAnnotations.InactivityTtl] = ttl;
            }

            if (lastActivity is not null)
            {
                annotations[InactivityPolicy.LastActivityAnnotation] = lastActivity;
            }

            return new V1ObjectMeta
            {
                Name = service,
                Annotations = annotations,
                CreationTimestamp = Now.UtcDateTime.AddDays(-2),
                DeletionTimestamp = deleting ? Now.UtcDateTime : null,
                Labels = new Dictionary<string, string> { [ManifestLabels.Name] = service, [ManifestLabels.Instance] = $"myapp-{service}" },
            };
        }

        V1Lease Lease(string service, DateTimeOffset renewed) => InactivityPolicy.ActivityLease(service, $"myapp-{service}", "ml", renewed, "hoist/test/1");

        var expired = InactivityPolicy.Expired(
            [
                Workload("idle", "30m", "2025-06-01T11:00:00Z"),
                Workload("busy", "30m", "2025-06-01T11:59:00Z"),
                Workload("leased", "30m", null),
                Workload("lease-lapsed", "30m", null),
                Workload("forever", null, "2025-01-01T00:00:00Z"),
                Workload("never-stamped", "24h", null),
                Workload("going", "1m", "2025-06-01T11:00:00Z", deleting: true),
            ],
            [Lease("leased", Now.AddMinutes(-1)), Lease("lease-lapsed", Now.AddHours(-1))],
            Now);

        Assert.Equal([("idle", "myapp-idle"), ("lease-lapsed", "myapp-lease-lapsed"), ("never-stamped", "myapp-never-stamped")], expired);
    }
}

using System.Text.Json;
using Hoist.Backends.Kubernetes;
using Hoist.Cli.Building;
using Hoist.Cli.Cluster;
using Hoist.Cli.Commands;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Cli.Tests;

/// <summary>The words hoist deploy, status and logs print, from hand-built pods, events and workloads.</summary>
public sealed class ProgressTests
{
    private static V1Pod Pod(string name, string phase, V1ContainerState state, bool ready = false, int restarts = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", CreationTimestamp = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc) },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "worker" }] },
        Status = new V1PodStatus
        {
            Phase = phase,
            ContainerStatuses = [new V1ContainerStatus { Name = "worker", Image = "app:1", ImageID = "", Ready = ready, RestartCount = restarts, State = state }],
        },
    };

    private static V1ContainerState Waiting(string reason) => new() { Waiting = new V1ContainerStateWaiting { Reason = reason } };

    private static V1ContainerState Running() => new() { Running = new V1ContainerStateRunning() };

    private static Corev1Event Event(string involved, string reason, string message, string type = "Normal", int minute = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{involved}.{reason}" },
        InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = involved },
        Reason = reason,
        Message = message,
        Type = type,
        LastTimestamp = new DateTime(2025, 1, 1, 0, minute, 0, DateTimeKind.Utc),
    };

    [Fact]
    public void Line_ShowsReadyCountsPodPhasesAndTheLatestEvent()
    {
        var pods = new[] { Pod("embed-7d9f-a", "Pending", Waiting("ContainerCreating")), Pod("embed-7d9f-b", "Running", Running(), ready: true) };
        var latest = Event("embed-7d9f-a", "Pulling", "Pulling image \"ghcr.io/acme/app:1\"");

        var line = DeployProgress.Line(new ServiceProgress("embed", Readiness.Waiting(1, 2, "1 of 2 updated replicas available"), pods, latest));

        Assert.Equal(
            "embed: 1/2 ready (1 of 2 updated replicas available) · embed-7d9f-a Pending (ContainerCreating), embed-7d9f-b Running · event Pulling: Pulling image \"ghcr.io/acme/app:1\"",
            line);
    }

    [Fact]
    public void Line_BeforeTheWorkloadExists_SaysSo() =>
        Assert.Equal("train: not created yet", DeployProgress.Line(new ServiceProgress("train", null, [], null)));

    [Fact]
    public void Line_MarksWarnings_AndFoldsMultiLineMessages()
    {
        var warning = Event("x-0", "FailedScheduling", "0/3 nodes are available:\n3 Insufficient nvidia.com/gpu.", "Warning");

        var line = DeployProgress.Line(new ServiceProgress("x", Readiness.Waiting(0, 1, ""), [], warning));

        Assert.Equal("x: 0/1 ready · warning FailedScheduling: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.", line);
    }

    [Fact]
    public void Line_ShowsAtMostFourPods()
    {
        var pods = Enumerable.Range(0, 6).Select(i => Pod($"t-{i}", "Running", Running(), ready: true)).ToArray();

        var line = DeployProgress.Line(new ServiceProgress("t", Readiness.Waiting(6, 8, "6 of 8 ranks ready"), pods, null));

        Assert.EndsWith("t-3 Running, +2 more", line);
    }

    [Fact]
    public void PodPhase_ReadsLikeKubectl()
    {
        Assert.Equal("Pending (ErrImagePull)", DeployProgress.PodPhase(Pod("p", "Pending", Waiting("ErrImagePull"))));
        Assert.Equal("CrashLoopBackOff", DeployProgress.PodPhase(Pod("p", "Running", Waiting("CrashLoopBackOff"), restarts: 3)));
        Assert.Equal("Running, not ready", DeployProgress.PodPhase(Pod("p", "Running", Running())));
        Assert.Equal("Running", DeployProgress.PodPhase(Pod("p", "Running", Running(), ready: true)));

        var leaving = Pod("p", "Running", Running(), ready: true);
        leaving.Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.Equal("Terminating", DeployProgress.PodPhase(leaving));
    }

    [Fact]
    public void Latest_PicksTheNewestEventAboutTheServiceOnly()
    {
        var pods = new[] { Pod("embed-1", "Pending", Waiting("ContainerCreating")) };
        var events = new[]
        {
            Event("embed-1", "Scheduled", "assigned", minute: 1),
            Event("other-1", "Pulling", "not ours", minute: 9),
            Event("embed-1", "Pulled", "pulled", minute: 3),
        };

        Assert.Equal("Pulled", DeployProgress.Latest(events, "embed", pods)?.Reason);
    }

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 86400, "3d")]
    [InlineData(-4, "0s")]
    public void Age_ReadsLikeKubectl(int seconds, string age) =>
        Assert.Equal(age, DeployProgress.Age(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void LaunchFailed_IsOneLineWithTheDiagnosis_AndTheCrashLogAbove()
    {
        var diagnosis = new LaunchDiagnosis(LaunchFailureKind.CrashLoop, "CrashLoopBackOff", "pod add-1, container worker keeps exiting (exit code 1, 3 restarts)", "add-1", "worker", 1);

        var error = DeployCommand.LaunchFailed("add", TimeSpan.FromSeconds(60), diagnosis, "starting\nUnhandled exception: boom\n", Readiness.Waiting(0, 1, "0 of 1 updated replicas available")).Error;

        Assert.Equal(
            "Service 'add' was not ready within its launch timeout of 60 s: CrashLoopBackOff: pod add-1, container worker keeps exiting (exit code 1, 3 restarts) [0 of 1 updated replicas available]",
            error.Message);
        Assert.Equal(["Last lines of add-1/worker:", "starting", "Unhandled exception: boom"], error.Details);
        Assert.Contains("hoist logs add", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void LaunchFailed_ForAnImagePull_SaysToCheckTheImage()
    {
        var diagnosis = new LaunchDiagnosis(LaunchFailureKind.ImagePull, "InvalidImageName", "pod a-1, container worker: cannot pull image", "a-1", "worker", null);

        var error = DeployCommand.LaunchFailed("a", TimeSpan.FromSeconds(900), diagnosis, null, null).Error;

        Assert.StartsWith("Service 'a' cannot start: InvalidImageName", error.Message);
        Assert.Contains("image", error.Hint, StringComparison.Ordinal);
        Assert.Empty(error.Details);
    }

    [Fact]
    public void StatusRow_ForADeployment_CountsReadyOfDesired()
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "add", NamespaceProperty = "default", Generation = 2, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "add" } },
            Spec = new V1DeploymentSpec { Replicas = 1 },
            Status = new V1DeploymentStatus { ObservedGeneration = 2, Replicas = 1, UpdatedReplicas = 1, ReadyReplicas = 1, AvailableReplicas = 1 },
        };

        Assert.Equal(new ServiceRow("add", "Deployment", "default", 1, 1, "-", "Ready"), WorkloadKinds.Deployment.StatusRow(JsonDocument.Parse(k8s.KubernetesJson.Serialize(deployment)).RootElement, live: null));
    }

    [Fact]
    public void StatusRow_ForKnative_ReadsTheAutoscalerSettingsAndItsLiveScale()
    {
        using var service = JsonDocument.Parse("""
            {
              "metadata": { "name": "embed", "namespace": "ml", "generation": 3, "labels": { "app.kubernetes.io/name": "embed" } },
              "spec": { "template": { "metadata": { "annotations": {
                "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
                "autoscaling.knative.dev/metric": "concurrency",
                "autoscaling.knative.dev/target": "8",
                "autoscaling.knative.dev/target-utilization-percentage": "70",
                "autoscaling.knative.dev/min-scale": "0",
                "autoscaling.knative.dev/max-scale": "10",
                "autoscaling.knative.dev/window": "60s",
                "autoscaling.knative.dev/scale-to-zero-pod-retention-period": "300s" } } } },
              "status": { "observedGeneration": 3, "latestCreatedRevisionName": "embed-00003", "latestReadyRevisionName": "embed-00003",
                          "conditions": [ { "type": "Ready", "status": "True" } ] }
            }
            """);
        using var podAutoscaler = JsonDocument.Parse("""{ "status": { "desiredScale": 3, "actualScale": 2 } }""");

        var row = WorkloadKinds.Knative.StatusRow(service.RootElement, new LiveScale(podAutoscaler.RootElement, ReadyPods: 2));

        Assert.Equal(new ServiceRow("embed", "Knative Service", "ml", 2, 3, "concurrency 8 at 70%, 0..10 replicas, window 60s, to zero after 300s", "Ready"), row);
    }

    [Fact]
    public void StatusRow_ForKnativeAtZero_SaysScaledToZero()
    {
        using var service = JsonDocument.Parse("""
            { "metadata": { "name": "embed", "namespace": "default", "generation": 1 },
              "status": { "observedGeneration": 1, "latestCreatedRevisionName": "embed-00001", "latestReadyRevisionName": "embed-00001",
                          "conditions": [ { "type": "Ready", "status": "True" } ] } }
            """);
        using var podAutoscaler = JsonDocument.Parse("""{ "status": { "desiredScale": 0, "actualScale": 0 } }""");

        var row = WorkloadKinds.Knative.StatusRow(service.RootElement, new LiveScale(podAutoscaler.RootElement, ReadyPods: 0));

        Assert.Equal("Scaled to zero", row.State);
        Assert.Equal("0/0", $"{row.Ready}/{row.Desired}");
    }

    [Fact]
    public void Autoscaling_WithoutAnnotations_IsADash() =>
        Assert.Equal("-", AutoscaleAnnotations.Describe(new Dictionary<string, string>(), "autoscaling.knative.dev/"));

    [Fact]
    public void Autoscaling_ForARankGroup_ReadsHoistsOwnAnnotations()
    {
        var annotations = new Dictionary<string, string>
        {
            ["autoscaling.hoist.dev/class"] = "hoist.dev/worker-group",
            ["autoscaling.hoist.dev/metric"] = "rps",
            ["autoscaling.hoist.dev/target"] = "50",
            ["autoscaling.hoist.dev/max-scale"] = "0",
        };

        Assert.Equal("rps 50, 1..unbounded replicas", AutoscaleAnnotations.Describe(annotations, "autoscaling.hoist.dev/"));
    }

    [Fact]
    public void StatusTable_AlignsColumns()
    {
        var table = StatusRows.Format(
        [
            new ServiceRow("add", "Deployment", "default", 1, 1, "-", "Ready"),
            new ServiceRow("embed", "Knative Service", "default", 0, 1, "concurrency 8", "RevisionMissing: no revision"),
        ]);

        Assert.Equal(
            "SERVICE  KIND             NAMESPACE  READY  AUTOSCALING    STATE\n" +
            "add      Deployment       default    1/1    -              Ready\n" +
            "embed    Knative Service  default    0/1    concurrency 8  RevisionMissing: no revision\n",
            table);
    }

    [Fact]
    public void PodsTable_ShowsPhaseReadyRestartsAndAge()
    {
        var table = StatusCommand.FormatPods([Pod("add-5d8f-x", "Running", Running(), ready: true, restarts: 2)], new DateTimeOffset(2025, 1, 1, 0, 3, 0, TimeSpan.Zero));

        Assert.Equal("POD         STATUS   READY  RESTARTS  AGE\nadd-5d8f-x  Running  1/1    2         3m\n", table);
    }

    [Fact]
    public void PodsTable_ShowsTheWireContractEachPodServes_SoAMixedRolloutShows()
    {
        var table = StatusCommand.FormatPods(
            [Pod("add-5d8f-x", "Running", Running(), ready: true), Pod("add-7c2a-y", "Running", Running(), ready: true), Pod("add-7c2a-z", "Pending", Running())],
            new DateTimeOffset(2025, 1, 1, 0, 3, 0, TimeSpan.Zero),
            new Dictionary<string, string> { ["add-5d8f-x"] = "f5738253badfd7cb", ["add-7c2a-y"] = "3fa713c6716385f3" });

        Assert.Equal(
            "POD         STATUS   READY  RESTARTS  AGE  CONTRACT\n" +
            "add-5d8f-x  Running  1/1    0         3m   f5738253badfd7cb\n" +
            "add-7c2a-y  Running  1/1    0         3m   3fa713c6716385f3\n" +
            "add-7c2a-z  Pending  0/1    0         3m   -\n",
            table);
    }

    [Fact]
    public void LogLines_ArePrefixedWithTheirPod() =>
        Assert.Equal("[embed-7d9f-a] loaded model", LogsCommand.Prefix("embed-7d9f-a", "loaded model"));

    [Fact]
    public void Logs_ReadTheWorkerContainer()
    {
        var pod = new V1Pod { Spec = new V1PodSpec { Containers = [new V1Container { Name = "queue-proxy" }, new V1Container { Name = "worker" }] } };

        Assert.Equal("worker", LogsCommand.WorkerContainer(pod));
    }

    [Fact]
    public void MsbuildProperties_AreReadFromItsJsonAnswer()
    {
        var properties = ProjectBuilder.ParseProperties(["", "{", "  \"Properties\": {", "    \"TargetPath\": \"/src/App/bin/Debug/net10.0/App.dll\",", "    \"HoistAppName\": \"\"", "  }", "}"]);

        Assert.Equal("/src/App/bin/Debug/net10.0/App.dll", properties["TargetPath"]);
        Assert.Equal("", properties["HoistAppName"]);
    }

    [Fact]
    public void EntryAssembly_IsSetOnlyWhenItIsNotTheAppsName()
    {
        Assert.Null(ManifestsCommand.EntryAssembly(new BuiltApp("/b/App.dll", "App", "/b")));
        Assert.Equal("App.dll", ManifestsCommand.EntryAssembly(new BuiltApp("/b/App.dll", "shop", "/b")));
        var configured = new KubernetesBackendOptions { EntryAssembly = "Custom.dll" };
        Assert.Equal("Custom.dll", ManifestOptionsFactory.Create(configured, "App", entryAssembly: ManifestsCommand.EntryAssembly(new BuiltApp("/b/App.dll", "App", "/b"))).EntryAssembly);
    }
}

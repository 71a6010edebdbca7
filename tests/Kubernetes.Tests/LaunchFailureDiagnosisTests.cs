using Hoist.Backends.Kubernetes;
using static Hoist.Kubernetes.Tests.Pods;

namespace Hoist.Kubernetes.Tests;

public sealed class LaunchFailureDiagnosisTests
{
    [Fact]
    public void ImagePullBackOff_NamesTheImageAndTheRegistrysAnswer()
    {
        var pods = new[] { Pod("probe-7d9f-abcde", status: Waiting("ImagePullBackOff", "Back-off pulling image \"registry.example/app:1\"")) };
        var events = new[]
        {
            Event("Pod", "probe-7d9f-abcde", "Failed", "Failed to pull image \"registry.example/app:1\": rpc error: code = NotFound desc = manifest unknown", secondsAgo: 5),
            Event("Pod", "probe-7d9f-abcde", "BackOff", "Back-off pulling image \"registry.example/app:1\""),
        };

        var diagnosis = LaunchFailureDiagnosis.Explain(pods, events, "probe");

        Assert.Equal(LaunchFailureKind.ImagePull, diagnosis.Kind);
        Assert.Equal("ImagePullBackOff", diagnosis.Reason);
        Assert.Contains("registry.example/app:1", diagnosis.Summary);
        Assert.Contains("manifest unknown", diagnosis.Summary);
        Assert.Equal("probe-7d9f-abcde", diagnosis.Pod);
        Assert.False(diagnosis.WantsLog);
        Assert.False(diagnosis.IsPermanent);
    }

    [Fact]
    public void ErrImagePull_IsAnImagePull()
    {
        var diagnosis = LaunchFailureDiagnosis.Explain([Pod("p", status: Waiting("ErrImagePull", "unauthorized: authentication required"))], []);

        Assert.Equal(LaunchFailureKind.ImagePull, diagnosis.Kind);
        Assert.StartsWith("ErrImagePull: ", diagnosis.Summary);
        Assert.Contains("unauthorized", diagnosis.Summary);
    }

    [Fact]
    public void InvalidImageName_IsPermanent()
    {
        var diagnosis = LaunchFailureDiagnosis.Explain([Pod("p", status: Waiting("InvalidImageName", "couldn't parse image name \"Bad Image\""))], []);

        Assert.Equal(LaunchFailureKind.ImagePull, diagnosis.Kind);
        Assert.True(diagnosis.IsPermanent);
        Assert.StartsWith("Service 'probe' cannot start: InvalidImageName", LaunchFailureDiagnosis.Message("probe", TimeSpan.FromSeconds(60), diagnosis, null));
    }

    [Fact]
    public void FailedScheduling_IsUnschedulable_WithTheSchedulersReason()
    {
        var pods = new[] { Pod("train-0", nodeName: null, conditions: Condition("PodScheduled", "False", "Unschedulable", "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")) };
        var events = new[] { Event("Pod", "train-0", "FailedScheduling", "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available.") };

        var diagnosis = LaunchFailureDiagnosis.Explain(pods, events, "train");

        Assert.Equal(LaunchFailureKind.Unschedulable, diagnosis.Kind);
        Assert.Equal("Unschedulable", diagnosis.Reason);
        Assert.Contains("Insufficient nvidia.com/gpu", diagnosis.Summary);
        Assert.Contains("preemption", diagnosis.Summary);
    }

    [Fact]
    public void UnschedulableCondition_WithoutEvents_UsesTheConditionsMessage()
    {
        var pods = new[] { Pod("p", nodeName: null, conditions: Condition("PodScheduled", "False", "Unschedulable", "0/1 nodes are available: 1 Insufficient memory.")) };

        var diagnosis = LaunchFailureDiagnosis.Explain(pods, []);

        Assert.Equal(LaunchFailureKind.Unschedulable, diagnosis.Kind);
        Assert.Contains("Insufficient memory", diagnosis.Summary);
    }

    [Fact]
    public void CrashLoopBackOff_GivesTheExitCodeAndAsksForTheLog()
    {
        var last = new k8s.Models.V1ContainerStateTerminated { ExitCode = 134, Reason = "Error" };
        var pods = new[] { Pod("probe-1", "Running", Waiting("CrashLoopBackOff", "back-off 40s restarting failed container", restarts: 4, last: last)) };

        var diagnosis = LaunchFailureDiagnosis.Explain(pods, []);

        Assert.Equal(LaunchFailureKind.CrashLoop, diagnosis.Kind);
        Assert.Equal("CrashLoopBackOff", diagnosis.Reason);
        Assert.Equal(134, diagnosis.ExitCode);
        Assert.Contains("exit code 134", diagnosis.Summary);
        Assert.Contains("4 restarts", diagnosis.Summary);
        Assert.True(diagnosis.WantsLog);
        Assert.Equal(("probe-1", "worker"), (diagnosis.Pod, diagnosis.Container));

        var message = LaunchFailureDiagnosis.Message("probe", TimeSpan.FromSeconds(60), diagnosis, "Unhandled exception. System.IO.FileNotFoundException: model.bin\n");
        Assert.Contains("was not ready within its launch timeout of 60 s: CrashLoopBackOff", message);
        Assert.Contains("Last lines of probe-1/worker:", message);
        Assert.Contains("FileNotFoundException: model.bin", message);
    }

    [Fact]
    public void OomKilled_BeforeTheBackOff_IsACrash()
    {
        var status = Running(ready: false);
        status.RestartCount = 1;
        status.LastState = new k8s.Models.V1ContainerState { Terminated = new k8s.Models.V1ContainerStateTerminated { ExitCode = 137, Reason = "OOMKilled" } };

        var diagnosis = LaunchFailureDiagnosis.Explain([Pod("p", "Running", status)], []);

        Assert.Equal(LaunchFailureKind.CrashLoop, diagnosis.Kind);
        Assert.Equal("OOMKilled", diagnosis.Reason);
        Assert.Contains("exit code 137", diagnosis.Summary);
    }

    [Fact]
    public void MissingSecret_IsAContainerConfigError()
    {
        var pods = new[] { Pod("p", status: Waiting("CreateContainerConfigError", "secret \"app-hoist-token\" not found")) };

        var diagnosis = LaunchFailureDiagnosis.Explain(pods, []);

        Assert.Equal(LaunchFailureKind.ContainerConfig, diagnosis.Kind);
        Assert.Contains("secret \"app-hoist-token\" not found", diagnosis.Summary);
    }

    [Fact]
    public void RunningButNeverHealthy_QuotesTheProbeFailure()
    {
        var pods = new[] { Pod("p", "Running", Running(ready: false), conditions: Condition("PodScheduled", "True")) };
        var events = new[] { Event("Pod", "p", "Unhealthy", "Startup probe failed: timeout: failed to connect service \":50051\" within 1s") };

        var diagnosis = LaunchFailureDiagnosis.Explain(pods, events);

        Assert.Equal(LaunchFailureKind.NotReady, diagnosis.Kind);
        Assert.Contains("Startup probe failed", diagnosis.Summary);
    }

    [Fact]
    public void StillCreating_IsPendingAndSaysWhatItWaitsFor()
    {
        var diagnosis = LaunchFailureDiagnosis.Explain([Pod("p", status: Waiting("ContainerCreating"))], []);

        Assert.Equal(LaunchFailureKind.Pending, diagnosis.Kind);
        Assert.Contains("ContainerCreating", diagnosis.Summary);
    }

    [Fact]
    public void NoPods_ReadsTheControllersFailedCreateEvent()
    {
        var events = new[]
        {
            Event("ReplicaSet", "probe-7d9f", "FailedCreate", "pods \"probe-7d9f-x\" is forbidden: exceeded quota: compute, requested: nvidia.com/gpu=1, used: nvidia.com/gpu=4, limited: nvidia.com/gpu=4"),
            Event("ReplicaSet", "someone-else-5c4b", "FailedCreate", "not about us"),
        };

        var diagnosis = LaunchFailureDiagnosis.Explain([], events, "probe");

        Assert.Equal(LaunchFailureKind.FailedCreate, diagnosis.Kind);
        Assert.Contains("exceeded quota", diagnosis.Summary);
        Assert.Contains("ReplicaSet probe-7d9f", diagnosis.Summary);
        Assert.DoesNotContain("not about us", diagnosis.Summary);
    }

    [Fact]
    public void PodSecurityRefusal_IsPermanent_SoTheLaunchFailsAtOnce_NotAfterItsTimeout()
    {
        // The ReplicaSet controller's event in a namespace labelled pod-security.kubernetes.io/enforce=restricted,
        // for a pod on a base image that runs as root (the kube-apiserver's wording).
        var events = new[]
        {
            Event("ReplicaSet", "train-6b7c9d", "FailedCreate",
                "Error creating: pods \"train-6b7c9d-4xkz2\" is forbidden: violates PodSecurity \"restricted:latest\": runAsNonRoot != true (pod or container \"worker\" must set securityContext.runAsNonRoot=true)"),
        };

        var diagnosis = LaunchFailureDiagnosis.Explain([], events, "train");

        Assert.True(diagnosis.IsPermanent);
        Assert.True(diagnosis.ViolatesPodSecurity);
        Assert.StartsWith("Service 'train' cannot start: FailedCreate", LaunchFailureDiagnosis.Message("train", TimeSpan.FromSeconds(900), diagnosis, null), StringComparison.Ordinal);
        Assert.False(LaunchFailureDiagnosis.Explain([], [Event("ReplicaSet", "train-6b7c9d", "FailedCreate", "exceeded quota: compute")], "train").IsPermanent); // quota frees up
    }

    [Fact]
    public void NoPodsAndNoEvents_SaysSo()
    {
        var diagnosis = LaunchFailureDiagnosis.Explain([], [Event("Pod", "unrelated", "FailedScheduling", "elsewhere")], "probe");

        Assert.Equal(LaunchFailureKind.Pending, diagnosis.Kind);
        Assert.Contains("no pod was created", diagnosis.Summary);
    }

    [Fact]
    public void AcrossRanks_TheMostActionableReasonWins_AndSaysHowManyPodsShareIt()
    {
        var pods = new[]
        {
            Pod("train-0", "Running", Running(ready: true)),
            Pod("train-1", nodeName: null, conditions: Condition("PodScheduled", "False", "Unschedulable", "no GPU")),
            Pod("train-2", status: Waiting("ImagePullBackOff", "back-off")),
            Pod("train-3", status: Waiting("ImagePullBackOff", "back-off")),
        };

        var diagnosis = LaunchFailureDiagnosis.Explain(pods, []);

        Assert.Equal(LaunchFailureKind.ImagePull, diagnosis.Kind);
        Assert.Contains("(2 of 4 pods)", diagnosis.Summary);
    }

    [Fact]
    public void PodsBeingDeleted_AreNotTheReason()
    {
        var old = Pod("probe-old", status: Waiting("CrashLoopBackOff", restarts: 9));
        old.Metadata.DeletionTimestamp = DateTime.UtcNow;
        var current = Pod("probe-new", status: Waiting("ContainerCreating"));

        var diagnosis = LaunchFailureDiagnosis.Explain([old, current], []);

        Assert.Equal(LaunchFailureKind.Pending, diagnosis.Kind);
        Assert.Equal("probe-new", diagnosis.Pod);
    }

    [Theory]
    [InlineData("probe", true)]
    [InlineData("probe-7d9f", true)]
    [InlineData("probe-00001-deployment-5c4b", true)]
    [InlineData("prober", false)]
    [InlineData("other", false)]
    public void Events_AreAboutTheWorkloadAndWhatItOwns(string involved, bool expected)
    {
        var @event = Event("ReplicaSet", involved, "FailedCreate", "x");

        Assert.Equal(expected, LaunchFailureDiagnosis.IsAbout(@event, "probe", new HashSet<string>()));
    }

    [Fact]
    public void Message_AppendsTheWorkloadStatus()
    {
        var diagnosis = LaunchFailureDiagnosis.Explain([Pod("p", status: Waiting("ContainerCreating"))], []);

        var message = LaunchFailureDiagnosis.Message("embed", TimeSpan.FromSeconds(900), diagnosis, null, "Service embed: RevisionMissing: no ready revision");

        Assert.StartsWith("Service 'embed' was not ready within its launch timeout of 900 s: Pending", message);
        Assert.EndsWith("[Service embed: RevisionMissing: no ready revision]", message);
    }
}

using System.Text.Json;
using Hoist.Backends.Kubernetes;
using k8s;
using k8s.Models;
using Hoist.Manifests;

namespace Hoist.Kubernetes.Tests;

/// <summary>Each kind's readiness (<see cref="WorkloadKind.ReadinessOf"/>), over recorded and hand-made status.</summary>
public sealed class WorkloadKindReadinessTests
{
    private static V1Deployment Deployment(long generation, long? observed, int? updated, int? replicas, int? available, int? ready = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "probe", Generation = generation },
        Spec = new V1DeploymentSpec { Replicas = 1, Selector = new V1LabelSelector(), Template = new V1PodTemplateSpec() },
        Status = new V1DeploymentStatus { ObservedGeneration = observed, UpdatedReplicas = updated, Replicas = replicas, AvailableReplicas = available, ReadyReplicas = ready ?? available },
    };

    [Fact]
    public void Deployment_IsReady_WhenTheCurrentGenerationIsRolledOutAndAvailable()
    {
        var readiness = DeploymentKind.ReadinessOf(Deployment(2, 2, 1, 1, 1));

        Assert.True(readiness.IsReady);
        Assert.Equal((1, 1), (readiness.Ready, readiness.Desired));
    }

    [Fact]
    public void Workload_ScaledToZero_IsNotReady_SoAClientAppliesItAgain()
    {
        var deployment = Deployment(3, 3, 0, 0, 0);
        deployment.Spec.Replicas = 0;
        var statefulSet = new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "train", Generation = 3 },
            Spec = new V1StatefulSetSpec { Replicas = 0 },
            Status = new V1StatefulSetStatus { ObservedGeneration = 3, Replicas = 0, ReadyReplicas = 0 },
        };

        foreach (var readiness in new[] { DeploymentKind.ReadinessOf(deployment), StatefulSetKind.ReadinessOf(statefulSet) })
        {
            Assert.False(readiness.IsReady);
            Assert.StartsWith("scaled to zero", readiness.Detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(2, 1, 1, 1, 1, "has not seen the current spec")]
    [InlineData(2, 2, 0, 1, 1, "0 of 1 replicas updated")]
    [InlineData(2, 2, 1, 2, 2, "1 old replicas are pending termination")]
    [InlineData(2, 2, 1, 1, 0, "0 of 1 updated replicas available")]
    public void Deployment_IsNotReady_MidRollout(long generation, long observed, int updated, int replicas, int available, string detail)
    {
        var readiness = DeploymentKind.ReadinessOf(Deployment(generation, observed, updated, replicas, available));

        Assert.False(readiness.IsReady);
        Assert.Contains(detail, readiness.Detail);
    }

    [Fact]
    public void Deployment_WithoutStatus_IsNotReady()
    {
        var deployment = Deployment(1, null, null, null, null);
        deployment.Status = null;

        Assert.False(DeploymentKind.ReadinessOf(deployment).IsReady);
    }

    private static V1StatefulSet StatefulSet(int ready, int updated, string current = "train-1", string update = "train-1", string strategy = "RollingUpdate") => new()
    {
        Metadata = new V1ObjectMeta { Name = "train", Generation = 1 },
        Spec = new V1StatefulSetSpec { Replicas = 4, Selector = new V1LabelSelector(), ServiceName = "train-headless", Template = new V1PodTemplateSpec(), UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = strategy } },
        Status = new V1StatefulSetStatus { ObservedGeneration = 1, Replicas = 4, ReadyReplicas = ready, UpdatedReplicas = updated, CurrentRevision = current, UpdateRevision = update },
    };

    [Fact]
    public void RollingUpdateStatefulSet_IsReady_OnlyWhenEveryRankIsReadyOnTheSameRevision()
    {
        Assert.True(StatefulSetKind.ReadinessOf(StatefulSet(4, 4)).IsReady);
        Assert.Contains("3 of 4 ranks ready", StatefulSetKind.ReadinessOf(StatefulSet(3, 4)).Detail);
        Assert.Contains("rolling update", StatefulSetKind.ReadinessOf(StatefulSet(4, 4, current: "train-1", update: "train-2")).Detail);
    }

    [Fact]
    public void OnDeleteGroup_MidRollout_IsNotReady_UntilEveryRankRunsTheUpdateRevision()
    {
        var readiness = StatefulSetKind.ReadinessOf(Recorded.Read<V1StatefulSet>("statefulset/train-ondelete-midrollout.yaml"));

        Assert.False(readiness.IsReady);
        Assert.Equal("2 of 4 ranks ready", readiness.Detail);
        Assert.Contains("ranks updated", StatefulSetKind.ReadinessOf(StatefulSet(4, 3, current: "train-1", update: "train-2", strategy: "OnDelete")).Detail);
    }

    [Fact]
    public void OnDeleteGroup_AfterItsSecondDeploy_IsReady_ThoughCurrentRevisionNeverMoves()
    {
        var set = Recorded.Read<V1StatefulSet>("statefulset/train-ondelete-done.yaml");

        var readiness = StatefulSetKind.ReadinessOf(set);

        Assert.NotEqual(set.Status.CurrentRevision, set.Status.UpdateRevision);
        Assert.True(readiness.IsReady, readiness.Detail);
        Assert.Equal((4, 4), (readiness.Ready, readiness.Desired));
    }

    [Fact]
    public void OnDeleteGroup_AsTheApiReturnsIt_ReadsAsTheTypedObjectDoes()
    {
        // The backend reads every workload kind by group, version and plural, as JSON: the kind reads it the same.
        foreach (var file in new[] { "statefulset/train-ondelete-midrollout.yaml", "statefulset/train-ondelete-done.yaml" })
        {
            var set = Recorded.Read<V1StatefulSet>(file);

            Assert.Equal(StatefulSetKind.ReadinessOf(set), WorkloadKinds.StatefulSet.ReadinessOf(Json(KubernetesJson.Serialize(set))));
            Assert.Equal(4, WorkloadKinds.StatefulSet.Ranks(Json(KubernetesJson.Serialize(set))));
        }
    }

    [Fact]
    public void Knative_IsReady_WhenReadyIsTrueAndTheLatestRevisionServes()
    {
        var readiness = WorkloadKinds.Knative.ReadinessOf(Json("""
            {"metadata":{"name":"embed","generation":3},
             "status":{"observedGeneration":3,"latestCreatedRevisionName":"embed-00003","latestReadyRevisionName":"embed-00003",
                       "conditions":[{"type":"ConfigurationsReady","status":"True"},{"type":"Ready","status":"True"}]}}
            """));

        Assert.True(readiness.IsReady);
        Assert.Equal("embed-00003", readiness.Revision);
    }

    [Fact]
    public void Knative_IsNotReady_WhileTheNewRevisionIsNot_AndSaysWhy()
    {
        var readiness = WorkloadKinds.Knative.ReadinessOf(Json("""
            {"metadata":{"generation":3},
             "status":{"observedGeneration":3,"latestCreatedRevisionName":"embed-00003","latestReadyRevisionName":"embed-00002",
                       "conditions":[{"type":"Ready","status":"Unknown","reason":"RevisionMissing","message":"Configuration \"embed\" is waiting for a Revision to become ready."}]}}
            """));

        Assert.False(readiness.IsReady);
        Assert.StartsWith("RevisionMissing: Configuration", readiness.Detail);
    }

    [Fact]
    public void Knative_BeforeTheControllerSawTheSpec_IsNotReady()
    {
        Assert.False(WorkloadKinds.Knative.ReadinessOf(Json("""{"metadata":{"generation":2},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True"}]}}""")).IsReady);
        Assert.False(WorkloadKinds.Knative.ReadinessOf(Json("""{"metadata":{"generation":1}}""")).IsReady);
    }

    [Fact]
    public void Ray_IsReady_ByTheCurrentHeadPodReady_WithEveryWorker_OrByStateOnAKubeRayWithoutConditions()
    {
        Assert.True(WorkloadKinds.Ray.ReadinessOf(Json("""{"status":{"state":"ready","desiredWorkerReplicas":2,"readyWorkerReplicas":2}}""")).IsReady);
        Assert.True(WorkloadKinds.Ray.ReadinessOf(Json("""{"status":{"conditions":[{"type":"HeadPodReady","status":"True"},{"type":"RayClusterProvisioned","status":"True"}]}}""")).IsReady);

        var waiting = WorkloadKinds.Ray.ReadinessOf(Json("""{"status":{"desiredWorkerReplicas":2,"readyWorkerReplicas":1,"conditions":[{"type":"HeadPodReady","status":"True"},{"type":"RayClusterProvisioned","status":"False","message":"1 of 2 workers ready"}]}}"""));
        Assert.False(waiting.IsReady);
        Assert.Equal((2, 3), (waiting.Ready, waiting.Desired));
        Assert.Equal("1 of 2 workers ready", waiting.Detail);
        Assert.False(WorkloadKinds.Ray.ReadinessOf(Json("""{"metadata":{}}""")).IsReady);
    }

    [Fact]
    public void Ray_AfterARedeploy_IsNotReady_UntilKubeRayHasSeenItAndTheNewHeadIsReady()
    {
        // KubeRay keeps state "ready" and RayClusterProvisioned=True from the old spec: neither counts.
        var unseen = WorkloadKinds.Ray.ReadinessOf(Json("""{"metadata":{"generation":3},"status":{"observedGeneration":2,"state":"ready","desiredWorkerReplicas":1,"readyWorkerReplicas":1,"conditions":[{"type":"HeadPodReady","status":"True"},{"type":"RayClusterProvisioned","status":"True"}]}}"""));
        Assert.False(unseen.IsReady);
        Assert.Equal("KubeRay has not seen the current spec yet", unseen.Detail);

        var recreating = WorkloadKinds.Ray.ReadinessOf(Json("""{"metadata":{"generation":3},"status":{"observedGeneration":3,"state":"ready","desiredWorkerReplicas":1,"readyWorkerReplicas":0,"conditions":[{"type":"HeadPodReady","status":"False","message":"head pod is starting"},{"type":"RayClusterProvisioned","status":"True"}]}}"""));
        Assert.False(recreating.IsReady);
        Assert.Equal("head pod is starting", recreating.Detail);

        var staleCondition = WorkloadKinds.Ray.ReadinessOf(Json("""{"metadata":{"generation":3},"status":{"observedGeneration":3,"desiredWorkerReplicas":0,"readyWorkerReplicas":0,"conditions":[{"type":"HeadPodReady","status":"True","observedGeneration":2}]}}"""));
        Assert.False(staleCondition.IsReady);

        Assert.True(WorkloadKinds.Ray.ReadinessOf(Json("""{"metadata":{"generation":3},"status":{"observedGeneration":3,"desiredWorkerReplicas":1,"readyWorkerReplicas":1,"conditions":[{"type":"HeadPodReady","status":"True","observedGeneration":3}]}}""")).IsReady);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}

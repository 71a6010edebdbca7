using Hoist.Backends.Kubernetes.Controller;
using Hoist.Manifests;
using k8s.Models;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>The controller's decision records: the Event it writes on a workload, and the lines <c>hoist status</c> shows.</summary>
public sealed class ScalingEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static ScaledWorkload Group()
    {
        var descriptor = Descriptors.Distributed(workers: 4) with { Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = 60 } };
        var set = ManifestRenderer.Render(descriptor, Descriptors.Options).OfType<V1StatefulSet>().Single();
        set.Metadata.Uid = "3f1c";
        return WorkloadKinds.StatefulSet.ScaledOf(set)!;
    }

    [Fact]
    public void Event_NamesTheWorkload_TheChange_AndWhy()
    {
        var record = ScalingEvents.Create(Group(), new WorkloadVerdict(0, null, false, false), 0, "scale to zero: idle for 120 s", Now);

        Assert.Equal(("StatefulSet", "train", "ml", "3f1c", "apps/v1"), (record.InvolvedObject.Kind, record.InvolvedObject.Name, record.InvolvedObject.NamespaceProperty, record.InvolvedObject.Uid, record.InvolvedObject.ApiVersion));
        Assert.Equal("train.", record.Metadata.GenerateName);
        Assert.Equal(ScalingEvents.ScaledToZero, record.Reason);
        Assert.Equal("replicas 4 -> 0: scale to zero: idle for 120 s", record.Message);
        Assert.Equal(ScalingEvents.Component, record.Source.Component);
    }

    [Fact]
    public void Event_Reason_SaysAWakeAndAnInactivityTeardown()
    {
        Assert.Equal(ScalingEvents.Woken, ScalingEvents.Create(Group(), new WorkloadVerdict(4, null, false, true), 4, "a call woke it", Now).Reason);
        Assert.Equal(ScalingEvents.InactivityTtl, ScalingEvents.Create(Group(), new WorkloadVerdict(0, null, true, false), 0, "ttl", Now).Reason);
    }

    [Fact]
    public void StatusLines_AreTheControllersRecordsForTheService_OldestFirst()
    {
        var woken = ScalingEvents.Create(Group() with { SpecReplicas = 0 }, new WorkloadVerdict(4, null, false, true), 4, "a call woke it", Now.AddSeconds(-10));
        var zero = ScalingEvents.Create(Group(), new WorkloadVerdict(0, null, false, false), 0, "scale to zero", Now.AddSeconds(-300));
        var kubelets = new Corev1Event { InvolvedObject = new V1ObjectReference { Name = "train" }, Source = new V1EventSource { Component = "kubelet" }, Reason = "Pulled" };
        var otherService = ScalingEvents.Create(Group() with { Name = "other" }, new WorkloadVerdict(0, null, false, false), 0, "x", Now);

        var lines = ScalingEvents.Lines([woken, kubelets, zero, otherService], ["train"], Now);

        Assert.Equal(["300s ago  train  ScaledToZero: replicas 4 -> 0: scale to zero", "10s ago  train  Woken: replicas 0 -> 4: a call woke it"], lines);
    }
}

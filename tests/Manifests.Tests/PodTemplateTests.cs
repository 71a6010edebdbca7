using k8s;
using k8s.Models;

namespace Hoist.Manifests.Tests;

/// <summary>
/// Hoist:Kubernetes:PodTemplate: the fields Hoist owns refuse the file (HOIST051, naming the field and the file), the
/// rest merges into every kind's pods (fields only the file sets taken, objects key by key, lists appended, a value
/// both set differently or a repeated name refused, naming the service).
/// </summary>
public sealed class PodTemplateTests
{
    private const string File = "/app/pod-template.yaml";

    private static PodTemplate Template(string yaml) => PodTemplate.From(File, KubernetesYaml.Deserialize<V1PodSpec>(yaml, strict: true));

    private static IEnumerable<V1PodSpec> Pods(ServiceDescriptor descriptor, PodTemplate template) =>
        ManifestRenderer.Render(descriptor, Samples.Options with { PodTemplate = template }).SelectMany(o => o switch
        {
            V1Deployment d => [d.Spec.Template.Spec],
            V1StatefulSet s => [s.Spec.Template.Spec],
            RayCluster r => new[] { r.Spec.HeadGroupSpec.Template.Spec }.Concat(r.Spec.WorkerGroupSpecs.Select(g => g.Template.Spec)),
            _ => [],
        });

    [Fact]
    public void FieldsHoistOwns_AreRefused_EachNamingTheFieldAndTheFile()
    {
        var refused = Assert.Throws<PodTemplateException>(() => Template("""
            restartPolicy: Never
            serviceAccountName: builder
            containers:
            - image: busybox
              securityContext:
                runAsUser: 1000
            """));

        Assert.Equal(File, refused.File);
        Assert.Equal(3, refused.Problems.Count);
        Assert.All(refused.Problems, p => Assert.EndsWith("(HOIST051)", p, StringComparison.Ordinal));
        Assert.All(refused.Problems, p => Assert.Contains(File, p, StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.Contains("sets restartPolicy, which Hoist owns", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.Contains("sets serviceAccountName, which Hoist owns: use [Compute(ServiceAccount)]", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.Contains("sets containers[0].image, which Hoist owns", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryOwnedField_IsRefused()
    {
        foreach (var field in PodTemplate.OwnedPodFields.Keys)
        {
            var fields = new System.Text.Json.Nodes.JsonObject { [field] = "x" };
            Assert.Single(PodTemplate.Refusals(File, fields));
        }
    }

    [Fact]
    public void AMisspeltField_IsAnError_NotAFieldSilentlyDropped()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hoist-pod-template-{Guid.NewGuid():N}.yaml");
        System.IO.File.WriteAllText(path, "tolerationz:\n- key: team\n");
        try
        {
            var refused = Assert.Throws<PodTemplateException>(() => PodTemplate.Load(path, null));
            Assert.Contains("is not a pod spec", Assert.Single(refused.Problems), StringComparison.Ordinal);
            Assert.Throws<PodTemplateException>(() => PodTemplate.Load(path + ".missing", null));
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void TheFile_MergesIntoEveryKind_BesideTheServicesOwnFields()
    {
        var template = Template("""
            tolerations:
            - key: team
              operator: Equal
              value: ml
              effect: NoSchedule
            nodeSelector:
              node.kubernetes.io/pool: workers
            containers:
            - securityContext:
                readOnlyRootFilesystem: true
            """);

        foreach (var kind in new[] { "pod-template", "pod-template-pytorch", "pod-template-ray" })
        {
            foreach (var pod in Pods(Samples.Kinds[kind], template))
            {
                // The service's own tolerations first (a GPU's, its Tolerations), then the file's; both selectors' keys.
                Assert.Equal(["dedicated", "team"], pod.Tolerations.Select(t => t.Key).TakeLast(2));
                Assert.Equal("ssd", pod.NodeSelector["disktype"]);
                Assert.Equal("workers", pod.NodeSelector["node.kubernetes.io/pool"]);

                // Every container gets the file's securityContext fields; the worker's keeps Hoist's beside them.
                Assert.All(pod.Containers, c => Assert.True(c.SecurityContext.ReadOnlyRootFilesystem));
                Assert.All(pod.Containers.Where(c => c.Name == "worker"), c => Assert.False(c.SecurityContext.AllowPrivilegeEscalation));
            }
        }
    }

    [Fact]
    public void AValueTheServiceRendersOtherwise_OrARepeatedName_IsRefused_NamingTheService()
    {
        var selector = Assert.Throws<PodTemplateException>(() => Pods(Samples.Kinds["pod-template"], Template("nodeSelector:\n  disktype: hdd\n")).ToList());
        Assert.Contains("sets nodeSelector.disktype to \"hdd\" where service 'serve-templated' renders \"ssd\"", Assert.Single(selector.Problems), StringComparison.Ordinal);

        var volume = Assert.Throws<PodTemplateException>(() => Pods(Samples.Kinds["around"], Template("volumes:\n- name: volume-models\n  emptyDir: {}\n")).ToList());
        Assert.Contains("adds to volumes an item with name \"volume-models\", which service 'vllm' already renders", Assert.Single(volume.Problems), StringComparison.Ordinal);

        var user = Assert.Throws<PodTemplateException>(() => Pods(Samples.Kinds["plain"], Template("containers:\n- securityContext:\n    runAsUser: 0\n")).ToList());
        Assert.Contains("containers[].securityContext.runAsUser to 0 where service 'chat' renders 1654", Assert.Single(user.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void AKnativeService_RefusesAFieldNoRevisionHolds_InsteadOfDroppingIt()
    {
        var refused = Assert.Throws<PodTemplateException>(() => ManifestRenderer.Render(Samples.Kinds["pod-template-autoscaled"], Samples.Options with { PodTemplate = Template("hostNetwork: true\n") }));

        Assert.Contains("sets hostNetwork, which a Knative revision does not accept", Assert.Single(refused.Problems), StringComparison.Ordinal);
    }
}

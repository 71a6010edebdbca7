using System.Text.RegularExpressions;
using k8s.Models;

namespace Hoist.Manifests.Tests;

/// <summary>The in-cluster controller's manifests: where an app needs it, what it runs, and the rights it gets.</summary>
public sealed partial class ControllerManifestTests
{
    private static IReadOnlyList<ServiceDescriptor> All => [.. Samples.Kinds.Values];

    [Fact]
    public void RenderedYaml_MatchesSnapshot()
    {
        var file = ControllerManifests.File(All, Samples.Options);

        Assert.Equal("hoist-controller.yaml", file!.Name);
        SnapshotAssert.Matches("hoist-controller", file.Content);
    }

    [Fact]
    public void Needed_ForAnAutoscaledGroup_OrAnInactivityTtl_OnlyInTheirNamespaces()
    {
        // A group with [Autoscale] (Knative cannot scale a StatefulSet) and a Deployment or StatefulSet with a TTL need it.
        Assert.NotEmpty(ControllerManifests.For([Samples.Kinds["pytorch-autoscaled"]], Samples.Options));
        Assert.NotEmpty(ControllerManifests.For([Samples.Kinds["plain"] with { Compute = new ComputeSpec { InactivityTtl = "30m" } }], Samples.Options));

        // Knative scales [Autoscale] services; a group without [Autoscale] or a TTL keeps its ranks; Ray scales itself.
        Assert.Empty(ControllerManifests.For([Samples.Kinds["autoscaled"], Samples.Kinds["pytorch"], Samples.Kinds["ray"], Samples.Kinds["plain"]], Samples.Options));

        var inBatch = Samples.Kinds["spmd"] with { Autoscale = new AutoscaleSpec { ScaleToZeroGracePeriod = 60 } };
        var objects = ControllerManifests.For([Samples.Kinds["pytorch-autoscaled"], inBatch], Samples.Options);
        Assert.Equal([Samples.Options.Namespace, "batch"], objects.OfType<V1Deployment>().Select(d => d.Metadata.NamespaceProperty).Order(StringComparer.Ordinal).Reverse());
    }

    [Fact]
    public void Controller_RunsTheAppImage_InTheControllerRole_AsItsOwnAccount()
    {
        var objects = ControllerManifests.For([Samples.Kinds["pytorch-autoscaled"]], Samples.Options);
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);

        Assert.Equal(Samples.Options.Image, container.Image);
        Assert.Contains(container.Env, e => e.Name == "HOIST_ROLE" && e.Value == "controller");
        Assert.Equal(ControllerManifests.Name(Samples.Options), deployment.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("Recreate", deployment.Spec.Strategy.Type);

        // Not managed-by=hoist: nothing that finds services (status, teardown --all, the controller itself) takes it for one.
        Assert.DoesNotContain(ManifestLabels.ManagedBy, deployment.Metadata.Labels.Keys);
        var binding = Assert.Single(objects.OfType<V1RoleBinding>());
        Assert.Equal(Assert.Single(objects.OfType<V1Role>()).Metadata.Name, binding.RoleRef.Name);
        Assert.Equal(Assert.Single(objects.OfType<V1ServiceAccount>()).Metadata.Name, Assert.Single(binding.Subjects).Name);
    }

    [Fact]
    public void Role_GrantsExactlyWhatTheControllersCodeCalls()
    {
        // Every Kubernetes API call in the controller's folder, as (group, resource, verb).
        var called = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "src", "Runtime", "Backends", "Kubernetes", "Controller"), "*.cs"))
        {
            foreach (Match call in ApiCall().Matches(File.ReadAllText(file)))
            {
                called.Add($"{Group(call.Groups["api"].Value)} {Resource(call.Groups["kind"].Value)} {call.Groups["verb"].Value.ToLowerInvariant()}");
            }
        }

        var role = Assert.Single(ControllerManifests.For([Samples.Kinds["pytorch-autoscaled"]], Samples.Options).OfType<V1Role>());
        var granted = new SortedSet<string>(
            role.Rules.SelectMany(r => r.ApiGroups.SelectMany(g => r.Resources.SelectMany(res => r.Verbs.Select(v => $"{g} {res} {v}")))),
            StringComparer.Ordinal);

        Assert.Equal(
            [" events create", " pods list", "apps deployments list", "apps deployments/scale patch", "apps statefulsets list", "apps statefulsets/scale patch", "coordination.k8s.io leases list"],
            called);
        Assert.Equal(called, granted);
    }

    [GeneratedRegex(@"\.(?<api>AppsV1|CoreV1|CoordinationV1|RbacAuthorizationV1)\.(?<verb>List|Read|Patch|Delete|Create|Replace)Namespaced(?<kind>\w+?)Async\(")]
    private static partial Regex ApiCall();

    private static string Group(string api) => api switch
    {
        "AppsV1" => "apps",
        "CoordinationV1" => "coordination.k8s.io",
        "RbacAuthorizationV1" => "rbac.authorization.k8s.io",
        _ => "",
    };

    // PatchNamespacedStatefulSetScaleAsync: the scale subresource of statefulsets.
    private static string Resource(string kind) =>
        kind.EndsWith("Scale", StringComparison.Ordinal)
            ? Plural(kind[..^"Scale".Length]) + "/scale"
            : Plural(kind);

    private static string Plural(string kind) => kind.ToLowerInvariant() + "s";
}

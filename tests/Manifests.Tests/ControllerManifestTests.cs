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

        // managed-by=hoist, so teardown --all removes it; component=controller, which status leaves out of its services.
        Assert.Equal(ManifestLabels.ManagedByHoist, deployment.Metadata.Labels[ManifestLabels.ManagedBy]);
        Assert.Equal(ControllerManifests.Component, deployment.Metadata.Labels[ManifestLabels.Component]);
        var binding = Assert.Single(objects.OfType<V1RoleBinding>());
        Assert.Equal(Assert.Single(objects.OfType<V1Role>()).Metadata.Name, binding.RoleRef.Name);
        Assert.Equal(Assert.Single(objects.OfType<V1ServiceAccount>()).Metadata.Name, Assert.Single(binding.Subjects).Name);
    }

    [Fact]
    public void Controller_ServesTheActivator_OnGrpc8012_BehindAClusterIpServiceOfItsName()
    {
        var objects = ControllerManifests.For([Samples.Kinds["pytorch-autoscaled"]], Samples.Options);
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);

        var port = Assert.Single(container.Ports);
        Assert.Equal(("grpc", 8012, "TCP"), (port.Name, port.ContainerPort, port.Protocol));
        Assert.Equal(8012, container.ReadinessProbe.Grpc.Port);

        var service = Assert.Single(objects.OfType<V1Service>());
        Assert.Equal(ControllerManifests.Name(Samples.Options), service.Metadata.Name);
        Assert.Equal(deployment.Metadata.NamespaceProperty, service.Metadata.NamespaceProperty);
        Assert.Equal("ClusterIP", service.Spec.Type);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, service.Spec.Selector);
        Assert.All(service.Spec.Selector, l => Assert.Equal(l.Value, deployment.Spec.Template.Metadata.Labels[l.Key]));
        var servicePort = Assert.Single(service.Spec.Ports);
        Assert.Equal(("grpc", 8012, "8012", "kubernetes.io/h2c"), (servicePort.Name, servicePort.Port, servicePort.TargetPort.Value, servicePort.AppProtocol));

        // Callers port-forward to the pods of this selector when they are outside the cluster.
        Assert.Equal(
            string.Join(",", deployment.Spec.Selector.MatchLabels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")),
            ControllerManifests.PodSelector(Samples.Options));

        // Not managed-by=hoist either: teardown --all must not take the activator's Service for a service's.
        Assert.Equal(ManifestLabels.ManagedByHoist, service.Metadata.Labels[ManifestLabels.ManagedBy]);
    }

    [Fact]
    public void Role_GrantsExactlyWhatTheControllersCodeCalls()
    {
        // Every Kubernetes API call in the controller's folder, and in the launch-failure read it shares with clients
        // (through ClusterClient), as (group, resource, verb).
        var kubernetes = Path.Combine(RepositoryPaths.Root, "src", "Runtime", "Backends", "Kubernetes");
        var called = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(kubernetes, "Controller"), "*.cs").Append(Path.Combine(kubernetes, "LaunchFailureReport.cs")))
        {
            var text = File.ReadAllText(file);
            foreach (Match call in ApiCall().Matches(text))
            {
                called.Add($"{Group(call.Groups["api"].Value)} {Resource(call.Groups["kind"].Value)} {Verb(call.Groups["verb"].Value)}");
            }

            // A call through the generic object API is made on every kind the controller scales, by its group and plural.
            foreach (Match call in GenericCall().Matches(text))
            {
                foreach (var (group, plural) in s_scaledKinds)
                {
                    called.Add(call.Groups["scale"].Success ? $"{group} {plural}/scale patch" : $"{group} {plural} {Verb(call.Groups["verb"].Value)}");
                }
            }

            foreach (Match call in ClusterClientCall().Matches(text))
            {
                var method = call.Groups["method"].Value;
                Assert.True(s_clusterClientRights.TryGetValue(method, out var right), $"{Path.GetFileName(file)} calls ClusterClient.{method}: add the right it uses to this test's table.");
                called.Add(right);
            }
        }

        var role = Assert.Single(ControllerManifests.For([Samples.Kinds["pytorch-autoscaled"]], Samples.Options).OfType<V1Role>());
        var granted = new SortedSet<string>(
            role.Rules.SelectMany(r => r.ApiGroups.SelectMany(g => r.Resources.SelectMany(res => r.Verbs.Select(v => $"{g} {res} {v}")))),
            StringComparer.Ordinal);

        Assert.Equal(
            [
                " events create", " events list", " pods list", " pods/log get",
                "apps deployments list", "apps deployments/scale patch", "apps statefulsets list", "apps statefulsets/scale patch",
                "coordination.k8s.io leases create", "coordination.k8s.io leases get", "coordination.k8s.io leases list", "coordination.k8s.io leases update",
            ],
            called);
        Assert.Equal(called, granted);
    }

    // The ClusterClient methods the controller reaches, and the one API call each makes (ClusterClient.cs).
    private static readonly Dictionary<string, string> s_clusterClientRights = new(StringComparer.Ordinal)
    {
        ["ListPodsAsync"] = " pods list",
        ["ListEventsAsync"] = " events list",
        ["ReadLogTailAsync"] = " pods/log get",
    };

    // The kinds whose WorkloadKind.ControllerScales (Kubernetes.Tests' WorkloadKindsTests holds the registry to the Role).
    private static readonly (string Group, string Plural)[] s_scaledKinds = [("apps", "deployments"), ("apps", "statefulsets")];

    [GeneratedRegex(@"\.CustomObjects\.(?<verb>List|Get|Patch|Delete)NamespacedCustomObject(?<scale>Scale)?Async\(")]
    private static partial Regex GenericCall();

    [GeneratedRegex(@"\bcluster\.(?<method>\w+Async)\(")]
    private static partial Regex ClusterClientCall();

    [GeneratedRegex(@"\.(?<api>AppsV1|CoreV1|CoordinationV1|RbacAuthorizationV1)\.(?<verb>List|Read|Patch|Delete|Create|Replace)Namespaced(?<kind>\w+?)Async\(")]
    private static partial Regex ApiCall();

    // The RBAC verb of a client method: a Read is a get, a Replace an update.
    private static string Verb(string method) => method switch
    {
        "Read" => "get",
        "Replace" => "update",
        _ => method.ToLowerInvariant(),
    };

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

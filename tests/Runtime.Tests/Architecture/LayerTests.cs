using System.Xml.Linq;
using Hoist.Testing;
using Mono.Cecil;

namespace Hoist.Runtime.Tests.Architecture;

/// <summary>
/// The layers docs/development.md draws ("Layers"), checked over the compiled assemblies: Hoist.Model (descriptors, settings,
/// configuration, rendering) under Hoist.Wire (protocol, codec, transports) under Hoist.Runtime (client, worker,
/// autoscaling, backends, hosting), no cycle between the folders inside any of them, and a manifest tool that needs
/// nothing of gRPC, Kestrel or OpenTelemetry.
/// </summary>
public sealed class LayerTests
{
    private static readonly string[] s_heavy = ["Grpc.", "Google.Protobuf", "Microsoft.AspNetCore.", "OpenTelemetry", "Microsoft.Extensions.Hosting"];

    [Theory]
    [InlineData("Hoist.Model")]
    [InlineData("Hoist.Wire")]
    [InlineData("Hoist.Runtime")]
    public void NoFolderDependsOnAFolderThatDependsBackOnIt(string assembly)
    {
        var graph = FolderGraph.Read(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));

        Assert.NotEmpty(graph.Folders);
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, $"{assembly} has folders that depend on each other:{Environment.NewLine}" + string.Join(Environment.NewLine, cycles.Select(graph.Explain)));
    }

    [Fact]
    public void TheModelNeedsNothingOfGrpcKestrelOrOpenTelemetry()
    {
        var closure = ReferenceClosure("Hoist.Model");

        Assert.Contains("KubernetesClient", closure);
        Assert.DoesNotContain(closure, name => s_heavy.Any(name.StartsWith) || name is "Hoist.Wire" or "Hoist.Runtime");
    }

    [Fact]
    public void TheWireSitsBetweenTheModelAndTheRuntime()
    {
        var closure = ReferenceClosure("Hoist.Wire");

        Assert.Contains("Hoist.Model", closure);
        Assert.DoesNotContain("Hoist.Runtime", closure);
        Assert.DoesNotContain(closure, name => name.StartsWith("OpenTelemetry", StringComparison.Ordinal) || name.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal));
    }

    [Fact]
    public void TheManifestToolReferencesOnlyTheModel()
    {
        var project = XDocument.Load(Path.Combine(Repository.Root, "src", "ManifestTool", "ManifestTool.csproj"));

        var references = project.Descendants("ProjectReference").Select(r => Path.GetFileName(((string)r.Attribute("Include")!).Replace('\\', '/'))).ToArray();
        var frameworks = project.Descendants("FrameworkReference").Select(r => (string)r.Attribute("Include")!).ToArray();

        Assert.Equal(["Model.csproj"], references);
        Assert.Empty(frameworks);
        Assert.DoesNotContain(project.Descendants("PackageReference").Select(r => (string)r.Attribute("Include")!), name => s_heavy.Any(name.StartsWith));
    }

    /// <summary>Every assembly <paramref name="assembly"/> needs, directly or through another, by simple name.</summary>
    private static HashSet<string> ReferenceClosure(string assembly)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([assembly]);
        while (pending.TryPop(out var name))
        {
            var path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            if (!seen.Add(name) || !File.Exists(path))
            {
                continue; // the shared framework's own assemblies are not beside the tests, and need nothing heavy
            }

            using var module = ModuleDefinition.ReadModule(path);
            foreach (var reference in module.AssemblyReferences)
            {
                pending.Push(reference.Name);
            }
        }

        return seen;
    }
}

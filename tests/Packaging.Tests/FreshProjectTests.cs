using System.Text.RegularExpressions;

namespace Hoist.Packaging.Tests;

/// <summary>
/// What the README's "use it in your own project" section promises, done to the letter on new projects
/// that reference Hoist by PackageReference from the locally packed feed only.
/// </summary>
public sealed partial class FreshProjectTests(LocalFeedFixture feed) : IClassFixture<LocalFeedFixture>
{
    /// <summary>A user's project that takes Hoist from the local feed; OUTPUT_TYPE is Exe or Library.</summary>
    internal static readonly string ProjectFile = $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>OUTPUT_TYPE</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Hoist" Version="{LocalFeedFixture.Version}" />
          </ItemGroup>
        </Project>
        """;

    [Fact]
    public async Task ConsoleApp_BuildsManifests_AndCallsItsServiceInALocalWorker()
    {
        var app = Directory.CreateDirectory(Path.Combine(feed.Root, "HelloHoist")).FullName;
        await File.WriteAllTextAsync(Path.Combine(app, "HelloHoist.csproj"), ProjectFile.Replace("OUTPUT_TYPE", "Exe", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using Hoist;

            await using var hoist = await HoistApplication.StartAsync(args);
            var pid = await Greeter.Remote.WorkerProcessIdAsync();
            Console.WriteLine($"{await Greeter.Remote.GreetAsync("world")} from worker {pid}, caller {Environment.ProcessId}");

            public static partial class Greeter
            {
                [Compute(Cpus = 0.5, Memory = "256Mi")]
                public static string Greet(string name) => $"Hello, {name}!";

                [Compute]
                public static int WorkerProcessId() => Environment.ProcessId;
            }
            """);

        await Dotnet.RunAsync(app, "build", "--nologo");
        var output = await Dotnet.RunAsync(app, "run", "--no-build");

        var manifests = Path.Combine(app, "bin", "Debug", "net10.0", "manifests");
        Assert.True(File.Exists(Path.Combine(manifests, "greet.yaml")), $"no greet.yaml in {manifests}");
        Assert.True(File.Exists(Path.Combine(manifests, "worker-process-id.yaml")));
        Assert.Contains("kind: Deployment", await File.ReadAllTextAsync(Path.Combine(manifests, "greet.yaml")), StringComparison.Ordinal);

        var answer = Answer().Match(output);
        Assert.True(answer.Success, $"unexpected output:\n{output}");
        Assert.NotEqual(answer.Groups["worker"].Value, answer.Groups["caller"].Value);
        Assert.True(File.Exists(Path.Combine(feed.Packages, "hoist", LocalFeedFixture.Version, "hoist.nuspec")), "Hoist did not come from the local feed");
    }

    [Fact]
    public async Task ClassLibrary_BuildsManifests()
    {
        var library = Directory.CreateDirectory(Path.Combine(feed.Root, "HoistLibrary")).FullName;
        await File.WriteAllTextAsync(Path.Combine(library, "HoistLibrary.csproj"), ProjectFile.Replace("OUTPUT_TYPE", "Library", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(library, "Embeddings.cs"), """
            using Hoist;

            namespace HoistLibrary;

            public static partial class Embeddings
            {
                [Compute(Gpus = 1, Memory = "12Gi", InactivityTtl = "24h")]
                [Autoscale(Target = 8, MaxScale = 10, ScaleToZeroGracePeriod = 300)]
                public static float[] Embed(string text) => new float[] { text.Length };
            }
            """);

        await Dotnet.RunAsync(library, "build", "--nologo");

        var manifest = await File.ReadAllTextAsync(Path.Combine(library, "bin", "Debug", "net10.0", "manifests", "embed.yaml"));
        Assert.Contains("kind: Service", manifest, StringComparison.Ordinal);
        Assert.Contains("autoscaling.knative.dev/max-scale: \"10\"", manifest, StringComparison.Ordinal);
        Assert.Contains("nvidia.com/gpu", manifest, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Hello, world! from worker (?<worker>\d+), caller (?<caller>\d+)")]
    private static partial Regex Answer();
}

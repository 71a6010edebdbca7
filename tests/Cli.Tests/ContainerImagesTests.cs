using Hoist.Cli.Building;
using Hoist.Cli.Commands;

namespace Hoist.Cli.Tests;

/// <summary>What hoist deploy builds and pushes: one image per base image, self-contained where .NET is missing, and the exact publish command.</summary>
public sealed class ContainerImagesTests
{
    private static ServiceDescriptor Service(string name, string image = ComputeSpec.DefaultImage) => new()
    {
        Name = name,
        Kind = ServiceKind.Method,
        DeclaringType = "App.Services",
        AssemblyName = "App",
        Methods = ["Run"],
        Compute = new ComputeSpec { Image = image },
    };

    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:10.0", false)]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled", false)]
    [InlineData("mcr.microsoft.com/dotnet/sdk:10.0.100", false)]
    [InlineData("docker://mcr.microsoft.com/dotnet/aspnet:10.0", false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled", true)] // no ASP.NET Core, which the worker serves on
    [InlineData("MCR.microsoft.com/dotnet/runtime-deps:10.0", true)] // no dotnet at all
    [InlineData("mcr.microsoft.com/dotnet/aspnet:8.0", true)] // another .NET version
    [InlineData("mcr.microsoft.com/dotnet/aspnet@sha256:0123456789abcdef", true)] // no version to check
    [InlineData("nvcr.io/nvidia/pytorch:23.10-py3", true)]
    [InlineData("ubuntu:24.04", true)]
    [InlineData("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", true)]
    public void NeedsSelfContained_UnlessTheBaseImageIsAnAspNetOrSdkImageOfThisDotnetVersion(string baseImage, bool selfContained) =>
        Assert.Equal(selfContained, ContainerImages.NeedsSelfContained(baseImage));

    [Fact]
    public void PublishArguments_ForADotnetBaseImage_AreFrameworkDependent()
    {
        var build = new ImageBuild("mcr.microsoft.com/dotnet/aspnet:10.0", false, new ImageName("ghcr.io", "acme/app", "1.0"), ["embed"]);

        Assert.Equal(
            [
                "publish", "/src/App/App.csproj", "-c", "Release", "-t:PublishContainer", "-nologo",
                "-p:ContainerBaseImage=mcr.microsoft.com/dotnet/aspnet:10.0",
                "-p:ContainerRegistry=ghcr.io",
                "-p:ContainerRepository=acme/app",
                "-p:ContainerImageTag=1.0",
                "-p:ContainerRuntimeIdentifier=linux-x64",
            ],
            ContainerImages.PublishArguments("/src/App/App.csproj", build));
    }

    [Fact]
    public void PublishArguments_FollowTheNodesPlatform_NotTheBuildMachines_OnBothPaths()
    {
        var plan = ContainerImages.Plan([Service("a"), Service("b", "nvcr.io/nvidia/pytorch:23.10-py3")], "ghcr.io", "acme/app", "1.0", "linux-arm64");

        Assert.Contains("-p:ContainerRuntimeIdentifier=linux-arm64", ContainerImages.PublishArguments("App.csproj", plan[0]));
        Assert.Equal(["--self-contained", "-r", "linux-arm64"], ContainerImages.PublishArguments("App.csproj", plan[1]).TakeLast(3));
    }

    [Fact]
    public void PublishArguments_ForABaseImageWithoutDotnet_AreSelfContainedForLinux()
    {
        var build = new ImageBuild("nvcr.io/nvidia/pytorch:23.10-py3", true, new ImageName("localhost:5000", "app", "7"), ["train"]);

        var arguments = ContainerImages.PublishArguments("App.csproj", build);

        Assert.Contains("-p:ContainerBaseImage=nvcr.io/nvidia/pytorch:23.10-py3", arguments);
        Assert.Contains("-p:ContainerRegistry=localhost:5000", arguments);
        Assert.Equal(["--self-contained", "-r", "linux-x64"], arguments.TakeLast(3));
    }

    [Fact]
    public void PublishArguments_WithoutRegistry_LeaveTheImageInTheLocalDaemon()
    {
        var arguments = ContainerImages.PublishArguments("App.csproj", new ImageBuild(ComputeSpec.DefaultImage, false, new ImageName(null, "app", "1"), ["a"]));

        Assert.DoesNotContain(arguments, a => a.StartsWith("-p:ContainerRegistry", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_OneBaseImage_IsOneImageWithThePlainTag()
    {
        var plan = ContainerImages.Plan([Service("a"), Service("b")], "ghcr.io", "acme/app", "1.0");

        var build = Assert.Single(plan);
        Assert.Equal("ghcr.io/acme/app:1.0", build.Image.Reference);
        Assert.Equal(["a", "b"], build.Services);
        Assert.False(build.SelfContained);
    }

    [Fact]
    public void Plan_SeveralBaseImages_IsOneImageEach_TaggedByBase_InFirstUseOrder()
    {
        var plan = ContainerImages.Plan(
            [Service("train", "nvcr.io/nvidia/pytorch:23.10-py3"), Service("a"), Service("embed", "nvcr.io/nvidia/pytorch:23.10-py3")],
            "ghcr.io",
            "acme/app",
            "1.0");

        Assert.Equal(2, plan.Count);
        Assert.Equal("ghcr.io/acme/app:1.0-pytorch-23.10-py3", plan[0].Image.Reference);
        Assert.True(plan[0].SelfContained);
        Assert.Equal(["train", "embed"], plan[0].Services);
        Assert.Equal("ghcr.io/acme/app:1.0", plan[1].Image.Reference);
        Assert.False(plan[1].SelfContained);
    }

    [Theory]
    [InlineData("ghcr.io/acme", "ghcr.io", "acme")]
    [InlineData("localhost:5000", "localhost:5000", "")]
    [InlineData("https://registry.example/Team/Sub/", "registry.example", "team/sub")]
    public void ParseRegistry_SplitsHostFromPath(string value, string registry, string prefix) =>
        Assert.Equal((registry, prefix), ContainerImages.ParseRegistry(value));

    [Fact]
    public void ParseRegistry_WithoutHost_IsRefused() =>
        Assert.Throws<FormatException>(() => ContainerImages.ParseRegistry("/acme"));

    [Theory]
    [InlineData("registry.example/team/app:1.0", "registry.example", "team/app", "1.0")]
    [InlineData("localhost:5000/app", "localhost:5000", "app", null)]
    [InlineData("acme/app:2", null, "acme/app", "2")]
    [InlineData("app@sha256:abc", null, "app", null)]
    public void ParseImage_SplitsLikeDocker(string image, string? registry, string repository, string? tag) =>
        Assert.Equal((registry, repository, tag), ContainerImages.ParseImage(image));

    [Theory]
    [InlineData("Hoist.TestApp", "hoist.testapp")]
    [InlineData("My App+", "my-app")]
    public void Repository_IsTheAppNameInLowerCase(string app, string repository) =>
        Assert.Equal(repository, ContainerImages.Repository(app));

    [Fact]
    public void DefaultTag_IsTheUtcTime() =>
        Assert.Equal("20250314-093005", ContainerImages.DefaultTag(new DateTimeOffset(2025, 3, 14, 10, 30, 5, TimeSpan.FromHours(1))));

    [Fact]
    public void ImageTarget_FromRegistryOption_PutsTheAppUnderItsPath()
    {
        var now = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

        Assert.Equal(("ghcr.io", "acme/myapp", "20250102-030405"), DeployCommand.ImageTarget("ghcr.io/acme", null, null, "MyApp", now));
        Assert.Equal(("localhost:5000", "myapp", "v2"), DeployCommand.ImageTarget("localhost:5000", "v2", "other.example/x:1", "MyApp", now));
    }

    [Fact]
    public void ImageTarget_FromConfiguredImage_KeepsItsRepositoryAndTag()
    {
        var now = DateTimeOffset.UnixEpoch;

        Assert.Equal(("registry.example", "team/app", "1.0"), DeployCommand.ImageTarget(null, null, "registry.example/team/app:1.0", "MyApp", now));
        Assert.Equal(("registry.example", "team/app", "hotfix"), DeployCommand.ImageTarget(null, "hotfix", "registry.example/team/app:1.0", "MyApp", now));
    }

    [Fact]
    public void ImageTarget_WithNoRegistryAnywhere_IsAUsageError()
    {
        var error = Assert.Throws<CliException>(() => DeployCommand.ImageTarget(null, null, "app:latest", "MyApp", DateTimeOffset.UnixEpoch)).Error;

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal("no container registry to push the app's image to", error.Message);
        Assert.StartsWith("pass --registry", error.Hint);
    }
    // What dotnet publish -t:PublishContainer -getTargetResult:PublishContainer writes: the GeneratedContainer item
    // of the SDK's Microsoft.NET.Build.Containers.targets (_PublishSingleContainer), with MSBuild's own metadata.
    private const string RecordedPublishResult = """
        {
          "TargetResults": {
            "PublishContainer": {
              "Result": "Success",
              "Items": [
                {
                  "Identity": "GeneratedContainer",
                  "Manifest": "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1\u002Bjson\"}",
                  "Configuration": "{\"architecture\":\"amd64\",\"os\":\"linux\"}",
                  "ManifestDigest": "sha256:3f1a1c7ad1b58e9b6a2d0c5e4f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
                  "ManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
                  "MSBuildSourceTargetName": "_PublishSingleContainer",
                  "FullPath": "/src/App/GeneratedContainer",
                  "DefiningProjectFullPath": "/usr/share/dotnet/sdk/10.0.401/Containers/build/Microsoft.NET.Build.Containers.targets"
                }
              ]
            }
          }
        }
        """;

    [Fact]
    public void PublishArguments_WithAResultFile_AskMSBuildForThePublishTargetsResult()
    {
        var build = new ImageBuild(ComputeSpec.DefaultImage, false, new ImageName("ghcr.io", "acme/app", "1"), ["a"]);

        Assert.Equal(
            ["-getTargetResult:PublishContainer", "-getResultOutputFile:/tmp/result.json"],
            ContainerImages.PublishArguments("App.csproj", build, "/tmp/result.json").TakeLast(2));
    }

    [Fact]
    public void ReadDigest_TakesTheGeneratedContainersManifestDigest() =>
        Assert.Equal("sha256:3f1a1c7ad1b58e9b6a2d0c5e4f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a", ContainerImages.ReadDigest(RecordedPublishResult));

    [Theory]
    [InlineData("""{"TargetResults": {"PublishContainer": {"Result": "Success", "Items": []}}}""")] // the target was skipped (not publishable)
    [InlineData("""{"TargetResults": {"PublishContainer": {"Result": "Success", "Items": [{"Identity": "GeneratedContainer", "ManifestDigest": ""}]}}}""")]
    [InlineData("""{"TargetResults": {"PublishContainer": {"Items": [{"ManifestDigest": "latest"}]}}}""")]
    [InlineData("""{"Properties": {}}""")]
    public void ReadDigest_WithoutADigest_IsNull(string json) => Assert.Null(ContainerImages.ReadDigest(json));

    [Fact]
    public void PinnedReference_IsTheRepositoryAtTheDigest_SoARedeployChangesThePodTemplate()
    {
        var image = new ImageName("ghcr.io", "acme/app", "latest");

        Assert.Equal("ghcr.io/acme/app@sha256:aaaa", ContainerImages.PinnedReference(image, "sha256:aaaa"));
        Assert.NotEqual(ContainerImages.PinnedReference(image, "sha256:aaaa"), ContainerImages.PinnedReference(image, "sha256:bbbb"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a digest")]
    public void PinnedReference_WithoutADigest_IsTheTag(string? digest) =>
        Assert.Equal("ghcr.io/acme/app:1.0", ContainerImages.PinnedReference(new ImageName("ghcr.io", "acme/app", "1.0"), digest));

    [Fact]
    public void PinnedReference_ForTheLocalDaemon_IsTheTag_WhichIsAllItKnows() =>
        Assert.Equal("app:1", ContainerImages.PinnedReference(new ImageName(null, "app", "1"), "sha256:aaaa"));
}

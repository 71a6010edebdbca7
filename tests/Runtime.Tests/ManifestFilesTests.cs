using Hoist.Hosting;
using Hoist.Manifests;

namespace Hoist.Runtime.Tests;

public sealed class ManifestFilesTests
{
    private static readonly ManifestOptions Options = new() { AppName = "App", Image = ManifestFiles.DefaultImage("App") };

    [Fact]
    public void Render_WritesOneFilePerService_EqualToTheRenderersYaml()
    {
        var files = ManifestFiles.Render([ServiceDescriptorJsonTests.Embed, ServiceDescriptorJsonTests.Trainer], Options);

        Assert.Equal(["embed.yaml", "trainer.yaml"], files.Select(f => f.Name));
        Assert.Equal(ManifestYaml.Serialize(ManifestRenderer.Render(ServiceDescriptorJsonTests.Embed, Options)), files[0].Content);
        Assert.Equal(ManifestYaml.Serialize(ManifestRenderer.Render(ServiceDescriptorJsonTests.Trainer, Options)), files[1].Content);
    }

    [Fact]
    public void Render_AppliesTheOverridesOfEachServiceByName()
    {
        var overrides = new Dictionary<string, ServiceOverrides>(StringComparer.OrdinalIgnoreCase)
        {
            ["EMBED"] = new() { MaxScale = 20 },
            ["trainer"] = new() { Workers = 8 },
        };

        var files = ManifestFiles.Render([ServiceDescriptorJsonTests.Embed, ServiceDescriptorJsonTests.Trainer], Options, overrides);

        Assert.Contains("autoscaling.knative.dev/max-scale: \"20\"", files[0].Content, StringComparison.Ordinal);
        Assert.Equal(ManifestYaml.Serialize(ManifestRenderer.Render(overrides["trainer"].ApplyTo(ServiceDescriptorJsonTests.Trainer), Options)), files[1].Content);
    }

    [Fact]
    public void DefaultImage_IsTheAppInLowerCase_AtLatest()
    {
        Assert.Equal("hoist.testapp:latest", ManifestFiles.DefaultImage("Hoist.TestApp"));
    }

    [Fact]
    public void Write_LeavesUnchangedFilesAlone()
    {
        var directory = Directory.CreateTempSubdirectory("hoist-manifest-files-");
        try
        {
            var files = ManifestFiles.Render([ServiceDescriptorJsonTests.Embed], Options);
            var path = Assert.Single(ManifestFiles.Write(Path.Combine(directory.FullName, "manifests"), files));
            var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(path, old);

            ManifestFiles.Write(Path.Combine(directory.FullName, "manifests"), files);

            Assert.Equal(old, File.GetLastWriteTimeUtc(path));
            Assert.Equal(files[0].Content, File.ReadAllText(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

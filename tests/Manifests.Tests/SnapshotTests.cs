namespace Hoist.Manifests.Tests;

public sealed class SnapshotTests
{
    [Theory]
    [MemberData(nameof(Samples.KindNames), MemberType = typeof(Samples))]
    public void RenderedYaml_MatchesSnapshot(string kind)
    {
        var yaml = ManifestYaml.Serialize(ManifestRenderer.Render(Samples.Kinds[kind], Samples.OptionsFor(kind)));

        SnapshotAssert.Matches(kind, yaml);
    }

    [Fact]
    public void Diff_ShowsChangedLinesWithContext()
    {
        var diff = Hoist.Testing.SnapshotFile.Diff("a\nb\nc\nd\n", "a\nb\nX\nd\n");

        Assert.Contains("-    3: c", diff);
        Assert.Contains("+    3: X", diff);
        Assert.Contains("     2: b", diff);
    }
}

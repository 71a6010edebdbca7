using Hoist.Cli.Compiling;

namespace Hoist.Cli.Tests;

/// <summary>Which saves <c>hoist dev</c> compiles in process, and which go to <c>dotnet build</c>, saying why.</summary>
public sealed class SaveDecisionTests
{
    private const string Project = "/src/App";
    private static readonly HashSet<string> s_sources = new(StringComparer.Ordinal) { "/src/App/Program.cs", "/src/App/Services/Shout.cs" };

    private static SaveDecision Decide(string[] touched, string[]? existing = null, string[]? changedInputs = null)
    {
        var present = new HashSet<string>(existing ?? [.. s_sources, .. touched], StringComparer.Ordinal);
        return SaveDecision.For(touched, s_sources, Project, changedInputs ?? [], present.Contains);
    }

    [Fact]
    public void AnEditedSourceFile_IsCompiledInProcess()
    {
        var compile = Assert.IsType<SaveDecision.Compile>(Decide(["/src/App/Services/Shout.cs"]));
        Assert.Equal(["/src/App/Services/Shout.cs"], compile.ChangedFiles);
    }

    [Theory]
    [InlineData("/src/App/App.csproj", "App.csproj changed")]
    [InlineData("/src/App/Directory.Build.props", "Directory.Build.props changed")]
    [InlineData("/src/App/Directory.Packages.props", "Directory.Packages.props changed")]
    [InlineData("/src/App/build/Custom.targets", "build/Custom.targets changed")]
    [InlineData("/src/App/appsettings.json", "appsettings.json is not C# source (content, resources or settings the build copies or embeds)")]
    [InlineData("/src/App/Strings.resx", "Strings.resx is not C# source (content, resources or settings the build copies or embeds)")]
    [InlineData("/src/App/Services/New.cs", "Services/New.cs is new, and the project's globs may compile it")]
    public void WhatOnlyMSBuildCanJudge_GoesToDotnetBuild_SayingWhy(string touched, string reason)
    {
        var build = Assert.IsType<SaveDecision.Build>(Decide([touched, "/src/App/Program.cs"]));
        Assert.Equal(reason, build.Reason);
    }

    [Fact]
    public void ADeletedSourceFile_GoesToDotnetBuild()
    {
        var build = Assert.IsType<SaveDecision.Build>(Decide(["/src/App/Program.cs"], existing: ["/src/App/Services/Shout.cs"]));
        Assert.Equal("Program.cs was deleted", build.Reason);
    }

    [Fact]
    public void AChangedReferenceOrImportOutsideTheFolder_GoesToDotnetBuild()
    {
        var build = Assert.IsType<SaveDecision.Build>(Decide(["/src/App/Program.cs"], changedInputs: ["/src/Directory.Build.props"]));
        Assert.Equal("/src/Directory.Build.props changed", build.Reason);
    }

    [Theory]
    [InlineData("/src/App/.Program.cs.swp")]
    [InlineData("/src/App/Program.cs~")]
    [InlineData("/src/App/4913")]
    [InlineData("/src/App/Program.cs___jb_tmp___")]
    public void EditorScratchFiles_AreNotInputs(string scratch)
    {
        Assert.IsType<SaveDecision.Nothing>(Decide([scratch]));
        Assert.IsType<SaveDecision.Compile>(Decide([scratch, "/src/App/Program.cs"]));
    }
}

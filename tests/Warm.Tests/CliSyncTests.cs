using Hoist.Testing;

namespace Hoist.Warm.Tests;

/// <summary><c>hoist sync --local</c> and <c>hoist dev --local</c> against the warm workers of a running app's folder.</summary>
[Collection(WarmCollection.Name)]
public sealed class CliSyncTests(WarmAppFixture fixture)
{
    private string Cli => Path.Combine(Repository.Root, "src", "Cli", "bin", fixture.Builds.Configuration, "net10.0", "Hoist.Cli.dll");

    [Fact]
    public async Task HoistSyncLocal_SendsTheNewBuildIntoTheWarmWorkers_BeforeAnyRun()
    {
        await using var machine = new WarmMachine(fixture);
        machine.Install("v1");
        var before = Assert.Single(await machine.AnswersAsync("answers"));
        machine.Install("v2");

        var sync = await ChildProcess.RunAsync("dotnet", ["exec", Cli, "sync", Path.Combine(machine.AppFolder, "WarmApp.dll"), "--local"], machine.AppFolder, TimeSpan.FromSeconds(60), machine.Environment());
        var run = await machine.RunAsync("answers");
        var after = Assert.Single(WarmMachine.Parse(run.Output));

        Assert.True(sync.ExitCode == 0, sync.Combined);
        Assert.Contains("answers: synced 1 worker (", sync.Output, StringComparison.Ordinal);
        Assert.Equal(("v2", before.ProcessId), (after.Variant, after.ProcessId));
        Assert.DoesNotContain("synced this build into warm", run.Combined, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HoistDevLocal_RebuildsAndSyncsOnASavedEdit()
    {
        await using var machine = new WarmMachine(fixture);
        var project = Path.Combine(machine.AppFolder, "..", "project");
        Directory.CreateDirectory(project);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", "Fixtures", "WarmApp")).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
        }

        DotnetBuild.ImportRepositorySettings(Path.GetDirectoryName(Path.GetFullPath(project))!);
        var environment = new Dictionary<string, string?>(DotnetBuild.CleanEnvironment())
        {
            ["XDG_RUNTIME_DIR"] = machine.RuntimeFolder,
            ["BuildProjectReferences"] = "false",
        };
        using var dev = LineProcess.Start("dotnet", ["exec", Cli, "dev", Path.Combine(project, "WarmApp.csproj"), "--local", "-c", fixture.Builds.Configuration], project, environment);
        await dev.WaitForLineAsync("watching for the next change", TimeSpan.FromMinutes(3));

        var bin = Path.Combine(project, "bin", fixture.Builds.Configuration, "net10.0");
        var run = await ChildProcess.RunAsync(Path.Combine(bin, "WarmApp"), ["answers"], bin, TimeSpan.FromSeconds(60), machine.Environment());
        var before = Assert.Single(WarmMachine.Parse(run.Output));
        Assert.Equal("v1", before.Variant);

        var services = Path.Combine(project, "Services.cs");
        await File.WriteAllTextAsync(services, (await File.ReadAllTextAsync(services)).Replace("\"v1\";", "\"v1-edited\";", StringComparison.Ordinal));
        var synced = await dev.WaitForLineAsync("answers: synced 1 worker", TimeSpan.FromMinutes(3));
        await dev.WaitForLineAsync("watching for the next change", TimeSpan.FromMinutes(1));

        var again = await ChildProcess.RunAsync(Path.Combine(bin, "WarmApp"), ["answers"], bin, TimeSpan.FromSeconds(60), machine.Environment());
        var after = Assert.Single(WarmMachine.Parse(again.Output));
        Assert.Equal(("v1-edited", before.ProcessId), (after.Variant, after.ProcessId));
        Assert.DoesNotContain("synced this build into warm", again.Combined, StringComparison.Ordinal);
        Assert.Contains(" ms", synced, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HoistDevLocal_ACompileErrorKeepsTheOldCodeServing_TheNextGoodSaveSyncs_AndAProjectChangeBuilds()
    {
        await using var machine = new WarmMachine(fixture);
        var (project, bin) = CopyProject(machine);
        using var dev = StartDev(machine, project);
        var before = await WarmUpAsync(machine, dev, bin);

        var services = Path.Combine(project, "Services.cs");
        var source = await File.ReadAllTextAsync(services);
        await File.WriteAllTextAsync(services, source.Replace("\"v1\";", "\"v1-broken\"", StringComparison.Ordinal));
        await dev.WaitForLineAsync("compile failed (1 error); the workers keep the last good code", TimeSpan.FromMinutes(2));

        // The error goes to stderr and the summary to stdout: either may be read first.
        var error = await dev.WaitForLineAnywhereAsync(": error CS", TimeSpan.FromMinutes(1));
        Assert.Matches(@"^/.*/Services\.cs\(\d+,\d+\): error CS1002: ; expected$", error);
        var during = Assert.Single(WarmMachine.Parse((await RunAppAsync(machine, bin)).Output));
        Assert.Equal((before.Variant, before.ProcessId), (during.Variant, during.ProcessId));

        await File.WriteAllTextAsync(services, source.Replace("\"v1\";", "\"v1-fixed\";", StringComparison.Ordinal));
        await dev.WaitForLineAsync("answers: synced 1 worker", TimeSpan.FromMinutes(2));
        var compiled = await dev.WaitForLineAsync("watching for the next change", TimeSpan.FromMinutes(1));
        Assert.StartsWith("compile ", compiled, StringComparison.Ordinal);
        var after = Assert.Single(WarmMachine.Parse((await RunAppAsync(machine, bin)).Output));
        Assert.Equal(("v1-fixed", before.ProcessId), (after.Variant, after.ProcessId));

        // What only MSBuild can judge goes to dotnet build, and says why.
        var csproj = Path.Combine(project, "WarmApp.csproj");
        await File.AppendAllTextAsync(csproj, "<!-- changed -->\n");
        await dev.WaitForLineAsync("dotnet build: WarmApp.csproj changed", TimeSpan.FromMinutes(1));
        Assert.StartsWith("build ", await dev.WaitForLineAsync("watching for the next change", TimeSpan.FromMinutes(4)), StringComparison.Ordinal);
        await dev.WaitForLineAsync("in-process compile ready", TimeSpan.FromMinutes(4));
        await File.WriteAllTextAsync(Path.Combine(project, "Extra.cs"), "namespace WarmApp;\n\ninternal static class Extra\n{\n}\n");
        await dev.WaitForLineAsync("dotnet build: Extra.cs is new, and the project's globs may compile it", TimeSpan.FromMinutes(1));
        await dev.WaitForLineAsync("watching for the next change", TimeSpan.FromMinutes(4));
    }

    [Fact]
    public async Task HoistDevLocal_AnEditThatChangesAServicesLaunchSettings_StopsItsWarmWorkers_SoTheNextRunStartsFreshOnes()
    {
        await using var machine = new WarmMachine(fixture);
        var (project, bin) = CopyProject(machine);
        using var dev = StartDev(machine, project);
        var before = await WarmUpAsync(machine, dev, bin);

        var services = Path.Combine(project, "Services.cs");
        await File.WriteAllTextAsync(services, (await File.ReadAllTextAsync(services)).Replace(
            "[Compute(Name = \"answers\", LaunchTimeout = 60)]", "[Compute(Name = \"answers\", LaunchTimeout = 60)]\n    [Env(\"ANSWER_MODE\", \"new\")]", StringComparison.Ordinal));
        // Two guards may catch it, and either stops the workers: the launch fingerprint hoist dev compares before a sync
        // ("environment ANSWER_MODE changed"), or the worker's refusal of new code that changes its launch ("[Env]").
        var refused = await dev.WaitForLineAsync("stopped its warm workers", TimeSpan.FromMinutes(2));
        Assert.StartsWith("answers: ", refused, StringComparison.Ordinal);
        Assert.True(
            refused.Contains("environment ANSWER_MODE changed", StringComparison.Ordinal) || refused.Contains("changes what its workers were launched with ([Env])", StringComparison.Ordinal),
            $"the line does not name the [Env] change: {refused}");
        Assert.False(WarmMachine.IsRunning(before.ProcessId));

        var after = Assert.Single(WarmMachine.Parse((await RunAppAsync(machine, bin)).Output));
        Assert.NotEqual(before.ProcessId, after.ProcessId);
    }

    /// <summary>tests/Fixtures/WarmApp as a project of its own beside the machine's app folder; returns it and its output folder.</summary>
    private (string Project, string Bin) CopyProject(WarmMachine machine)
    {
        var project = Path.GetFullPath(Path.Combine(machine.AppFolder, "..", "project"));
        Directory.CreateDirectory(project);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", "Fixtures", "WarmApp")).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
        }

        DotnetBuild.ImportRepositorySettings(Path.GetDirectoryName(project)!);
        return (project, Path.Combine(project, "bin", fixture.Builds.Configuration, "net10.0"));
    }

    private LineProcess StartDev(WarmMachine machine, string project)
    {
        var environment = new Dictionary<string, string?>(DotnetBuild.CleanEnvironment())
        {
            ["XDG_RUNTIME_DIR"] = machine.RuntimeFolder,
            ["BuildProjectReferences"] = "false",
        };
        return LineProcess.Start("dotnet", ["exec", Cli, "dev", Path.Combine(project, "WarmApp.csproj"), "--local", "-c", fixture.Builds.Configuration], project, environment);
    }

    /// <summary>Waits for hoist dev's in-process compile, then runs the app once, which starts its warm worker.</summary>
    private static async Task<AnswerLine> WarmUpAsync(WarmMachine machine, LineProcess dev, string bin)
    {
        await dev.WaitForLineAsync("in-process compile ready", TimeSpan.FromMinutes(4));
        return Assert.Single(WarmMachine.Parse((await RunAppAsync(machine, bin)).Output));
    }

    private static async Task<ChildProcessResult> RunAppAsync(WarmMachine machine, string bin)
    {
        var run = await ChildProcess.RunAsync(Path.Combine(bin, "WarmApp"), ["answers"], bin, TimeSpan.FromSeconds(60), machine.Environment());
        Assert.True(run.ExitCode == 0, run.Combined);
        return run;
    }
}

using System.Globalization;
using System.Text.Json;
using Hoist.Backends.Local;
using Hoist.CodeSync;
using Hoist.Testing;

namespace Hoist.Warm.Tests;

/// <summary>
/// What another local user can plant for a warm app that root runs (issue 28, reproductions 1 and 5), tried on a
/// <see cref="SharedMachine"/>: the attacker prepares, root runs WarmApp as a user would, and the test checks that
/// nothing planted was run, followed or signalled, and that the app still works.
/// </summary>
[Collection(WarmCollection.Name)]
public sealed class OtherUserTests(WarmAppFixture fixture)
{
    private const string App = "/tmp/app";

    [SharedMachineFact]
    public async Task PlantedWarmFolder_WithCodeAndARecord_IsRefused_NothingRunsAndNoProcessIsSignalled()
    {
        await using var machine = await SharedMachine.StartAsync();
        machine.CopyIn(fixture.Builds.OutputOf("v1"), App);
        var appKey = new WarmWorkers(App, root: "/unused").AppKey;
        var digest = AppManifest.Scan(machine.Inside(App)).Digest[..16];
        using var bystander = machine.StartBystander();
        var record = new WarmGroupRecord(App, "answers", "answers-planted", "planted-token", false, $"/tmp/hoist-0/warm/{appKey}/code/{digest}", null,
            [new WarmWorkerRecord(0, "answers", bystander.Id, WarmWorkers.StartedUnixMs(bystander), null, 1)]);

        // The attacker makes root's default place first (0700, so no chmod is tried), with a build copy that is a
        // script at the name root's run would execute, and a record naming root's bystander process.
        var warm = $"/tmp/hoist-0/warm/{appKey}";
        var prepared = await machine.AsAttackerAsync(
            $"""
            set -e
            mkdir -m 700 /tmp/hoist-0
            mkdir -p {warm}/code/{digest} {warm}/groups/answers
            printf '#!/bin/sh\nid -u > /tmp/ran-as-$(id -u)\n' > {warm}/code/{digest}/WarmApp
            chmod 755 {warm}/code/{digest}/WarmApp
            printf '%s' "$RECORD" > {warm}/groups/answers/answers-planted.json
            """,
            new Dictionary<string, string?> { ["RECORD"] = JsonSerializer.Serialize(record, WarmJsonContext.Default.WarmGroupRecord) });
        Assert.True(prepared.ExitCode == 0, prepared.Combined);

        var run = await machine.AsVictimAsync([$"{App}/WarmApp", "answers"], VictimEnvironment());
        var teardown = await machine.AsVictimAsync(["dotnet", "exec", Cli(), "teardown", "--local", "--all"], VictimEnvironment());

        Assert.True(run.ExitCode == 0, run.Combined);
        var answer = Assert.Single(WarmMachine.Parse(run.Output));
        Assert.Equal("v1", answer.Variant);
        Assert.NotEqual(bystander.Id, answer.ProcessId);
        Assert.Contains("Hoist refuses /tmp/hoist-0: it belongs to another user", run.Combined, StringComparison.Ordinal);
        Assert.True(teardown.ExitCode == 0, teardown.Combined);

        // Nothing planted ran, the bystander was not signalled, and the attacker's place is as the attacker left it.
        Assert.False(File.Exists(machine.Inside("/tmp/ran-as-0")), "root ran the planted build copy");
        Assert.False(bystander.HasExited, "a planted record made root signal a process that is not its worker");
        Assert.Equal((machine.AttackerUid, "700", false), machine.Describe("/tmp/hoist-0"));
        Assert.True(File.Exists(machine.Inside($"{warm}/groups/answers/answers-planted.json")));
        Assert.Equal(["answers-planted.json"], Directory.GetFiles(machine.Inside($"{warm}/groups/answers")).Select(Path.GetFileName));
        bystander.Kill();
    }

    [SharedMachineFact]
    public async Task PlantedCodeGenerationFolders_InTmp_AreNotUsedBySync_WhichWritesOnlyInThePrivateFolder()
    {
        await using var machine = await SharedMachine.StartAsync();
        machine.CopyIn(fixture.Builds.OutputOf("v1"), App);
        var first = await machine.AsVictimAsync([$"{App}/WarmApp", "answers"], VictimEnvironment());
        var worker = Assert.Single(WarmMachine.Parse(first.Output));

        // The attacker pre-creates the old, predictable generation folders for the warm worker (and its neighbours).
        var pids = string.Join(' ', Enumerable.Range(Math.Max(2, worker.ProcessId - 20), 40).Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var planted = await machine.AsAttackerAsync(
            $"for p in {pids}; do mkdir -p -m 777 /tmp/hoist-code-$p/gen-1 && chmod 777 /tmp/hoist-code-$p && echo planted > /tmp/hoist-code-$p/gen-1/marker; done");
        Assert.True(planted.ExitCode == 0, planted.Combined);

        machine.CopyIn(fixture.Builds.OutputOf("v2"), App);
        var second = await machine.AsVictimAsync([$"{App}/WarmApp", "answers"], VictimEnvironment());

        Assert.True(second.ExitCode == 0, second.Combined);
        var synced = Assert.Single(WarmMachine.Parse(second.Output));
        Assert.Equal(("v2", worker.ProcessId), (synced.Variant, synced.ProcessId));
        Assert.Contains("synced this build into warm", second.Combined, StringComparison.Ordinal);
        var plantedFolder = machine.Inside($"/tmp/hoist-code-{worker.ProcessId.ToString(CultureInfo.InvariantCulture)}/gen-1");
        Assert.Equal(["marker"], Directory.GetFiles(plantedFolder).Select(Path.GetFileName));

        // The generation lives in a fresh folder inside root's private one, which only root can enter.
        var generations = Directory.GetDirectories(machine.Inside("/tmp/hoist-0"), $"code-{worker.ProcessId.ToString(CultureInfo.InvariantCulture)}-*");
        var generation = Assert.Single(generations);
        Assert.Equal((0, "700", false), machine.Describe($"/tmp/hoist-0/{Path.GetFileName(generation)}"));
        Assert.Equal((0, "700", false), machine.Describe("/tmp/hoist-0"));
    }

    private static Dictionary<string, string?> VictimEnvironment() => new()
    {
        ["XDG_RUNTIME_DIR"] = null,
        ["Hoist__Local__KeepWarm"] = "true",
        ["DOTNET_ENVIRONMENT"] = "Production",
    };

    private string Cli() => Path.Combine(Repository.Root, "src", "Cli", "bin", fixture.Builds.Configuration, "net10.0", "Hoist.Cli.dll");
}

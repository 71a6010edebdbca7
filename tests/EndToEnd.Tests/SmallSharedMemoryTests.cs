using Hoist.Testing;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// Shared memory is an optimisation, never a requirement (issue 30): Hoist.TestApp runs in a private mount namespace
/// whose /dev/shm is a 6 MiB tmpfs, as small as a container's can be, and every call is answered exactly, inline where
/// a region does not fit, with one warning per process saying what to grow and nothing left in /dev/shm.
/// </summary>
public sealed class SmallSharedMemoryTests
{
    private const int MiB = 1024 * 1024;

    public SmallSharedMemoryTests()
    {
        // The test app's services register when its module initializer runs; here nothing may have run it yet.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(TestApp.Probe).Module.ModuleHandle);
    }

    [SharedMachineFact]
    public async Task RegionsThatDoNotFit_GoInline_EveryAnswerExact_NothingLeftInDevShm()
    {
        await using var machine = await SharedMachine.StartAsync(sharedMemorySize: "6m");

        // One call whose arguments fit and whose result then does not: the worker answers inline.
        var single = await EchoAsync(machine, callers: 1, echoes: 1, floats: MiB);
        Assert.Contains("ECHOED 1 of 1 exactly", single.Output, StringComparison.Ordinal);
        Assert.Equal(1, Warnings(single, "result"));
        Assert.Contains("[arrays-1]", Lines(single, "result").Single(), StringComparison.Ordinal);
        NothingLeft(machine);

        // Four calls at once, each of which would fit alone (2 MiB each way), and together do not.
        var together = await EchoAsync(machine, callers: 4, echoes: 1, floats: MiB / 2);
        Assert.Contains("ECHOED 4 of 4 exactly", together.Output, StringComparison.Ordinal);
        Assert.InRange(Warnings(together, "arguments") + Warnings(together, "result"), 1, 2);
        NothingLeft(machine);

        // Arguments that do not fit even alone (8 MiB): planned inline by the caller, before anything is written.
        var large = await EchoAsync(machine, callers: 1, echoes: 1, floats: 2 * MiB);
        Assert.Contains("ECHOED 1 of 1 exactly", large.Output, StringComparison.Ordinal);
        Assert.Equal(1, Warnings(large, "arguments"));
        Assert.Matches(
            @"Shared memory at /dev/shm/hoist-0 is too small for a call's arguments of 8 MiB: (5\.\d+|6) MiB free\. Payloads that do not fit go inline",
            Lines(large, "arguments").Single(line => !line.Contains("[arrays-", StringComparison.Ordinal)));
        NothingLeft(machine);

        // Arguments too big for shared memory and for the inline limit: refused before anything is sent, saying both.
        var neither = await EchoAsync(machine, callers: 1, echoes: 1, floats: 2 * MiB, new() { ["Hoist__MaxRequestBytes"] = $"{4 * MiB}" });
        Assert.Contains("ECHOED 0 of 1 exactly", neither.Output, StringComparison.Ordinal);
        Assert.Contains(
            $"FAILED CallRejectedException: ResourceExhausted: The request is {(8 * MiB) + 4} bytes: too big for shared memory at /dev/shm/hoist-0, which has 6 MiB free, and over the {4 * MiB} bytes a worker accepts inline (Hoist:MaxRequestBytes).",
            neither.Output,
            StringComparison.Ordinal);
        NothingLeft(machine);
    }

    [SharedMachineFact]
    public async Task FourCallers_TwentyEchoesOf4MiB_In6MiBOfSharedMemory_AllAnswerExactly()
    {
        await using var machine = await SharedMachine.StartAsync(sharedMemorySize: "6m");

        var run = await EchoAsync(machine, callers: 4, echoes: 20, floats: MiB);

        Assert.Contains("ECHOED 80 of 80 exactly", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", run.Output, StringComparison.Ordinal);

        // One warning per process at most: the caller's, for arguments, and the worker's, for results.
        Assert.InRange(Warnings(run, "arguments"), 0, 1);
        Assert.InRange(Warnings(run, "result"), 0, 1);
        Assert.InRange(Warnings(run, "arguments") + Warnings(run, "result"), 1, 2);
        Assert.Contains("docker run --shm-size=", run.Combined, StringComparison.Ordinal);
        Assert.Contains("memory-backed emptyDir at /dev/shm", run.Combined, StringComparison.Ordinal);
        NothingLeft(machine);
    }

    private static async Task<ChildProcessResult> EchoAsync(SharedMachine machine, int callers, int echoes, int floats, Dictionary<string, string?>? environment = null)
    {
        var command = Backends.Local.WorkerCommand.ForAssemblyPath(typeof(TestApp.Arrays).Assembly.Location);
        environment ??= [];
        environment["XDG_RUNTIME_DIR"] = null;
        var run = await machine.AsVictimAsync(
            [command.FileName, .. command.Arguments, "--echo-under-pressure", $"{callers}", $"{echoes}", $"{floats}"],
            environment);
        Assert.True(run.ExitCode == 0, run.Combined);
        return run;
    }

    /// <summary>Every file the runs made in the namespace's /dev/shm is gone; only Hoist's private folder stays.</summary>
    private static void NothingLeft(SharedMachine machine) =>
        Assert.Empty(Directory.GetFiles(machine.Inside("/dev/shm"), "*", SearchOption.AllDirectories));

    private static int Warnings(ChildProcessResult run, string payload) => Lines(run, payload).Length;

    private static string[] Lines(ChildProcessResult run, string payload) =>
        run.Combined.Split('\n').Where(line => line.Contains($"is too small for a call's {payload}", StringComparison.Ordinal)).ToArray();
}

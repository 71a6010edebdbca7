using System.Diagnostics;
using Hoist.Backends.Local;
using Hoist.Setup;

namespace Hoist.Runtime.Tests;

public sealed class SetupStepsTests
{
    [Fact]
    public void Hash_IsTheSameForTheSameList_AndDiffersForAnyChange()
    {
        string[] steps = ["pip install vllm", "apt-get install -y ffmpeg"];

        Assert.Equal(SetupSteps.Hash(steps), SetupSteps.Hash(["pip install vllm", "apt-get install -y ffmpeg"]));
        Assert.Matches("^[0-9a-f]{64}$", SetupSteps.Hash(steps));
        Assert.NotEqual(SetupSteps.Hash(steps), SetupSteps.Hash([.. steps.Reverse()]));
        Assert.NotEqual(SetupSteps.Hash(["a b"]), SetupSteps.Hash(["a", "b"]));
        Assert.NotEqual(SetupSteps.Hash(["pip install vllm"]), SetupSteps.Hash(["pip install vllm "]));
    }

    [Fact]
    public void Redact_MasksEverySecretValue_LongestFirst()
    {
        var masks = SetupSteps.MaskOrder(["abc", "abcdef", "", "abc"]);

        Assert.Equal(["abcdef", "abc"], masks);
        Assert.Equal("token=*** and *** again", SetupSteps.Redact("token=abcdef and abc again", masks));
        Assert.Equal("nothing secret", SetupSteps.Redact("nothing secret", masks));
    }

    [Fact]
    public async Task PodScript_RunsEachStepInOrder_ThenTheWorkerCommand()
    {
        var (code, stdout, _) = await RunScriptAsync(["echo one", "echo 'two, with \"quotes\" and $HOME left alone' | tr a-z A-Z"], "echo", "worker started");

        Assert.Equal(0, code);
        Assert.Equal(
            [
                "hoist: running setup step 1 of 2, `echo one`",
                "one",
                "hoist: running setup step 2 of 2, `echo 'two, with \"quotes\" and $HOME left alone' | tr a-z A-Z`",
                "TWO, WITH \"QUOTES\" AND $HOME LEFT ALONE",
                "worker started",
            ],
            stdout);
    }

    [Fact]
    public async Task PodScript_StopsAtAFailingStep_NamingIt_WithItsExitCode()
    {
        var (code, stdout, stderr) = await RunScriptAsync(["echo fine", "echo broken >&2; exit 7", "echo never"], "echo", "worker started");

        Assert.Equal(7, code);
        Assert.DoesNotContain("never", stdout);
        Assert.DoesNotContain("worker started", stdout);
        Assert.Equal(["broken", "hoist: setup step 2 of 3, `echo broken >&2; exit 7` failed with exit code 7"], stderr);
    }

    [Fact]
    public void CheckGpuType_RefusesAMachineWhoseGpusAreOthers_AndIgnoresOneWithout()
    {
        var service = Embed() with { Compute = new ComputeSpec { Gpus = 1, GpuType = "NVIDIA-A100-SXM4-80GB" } };

        LocalBackend.CheckGpuType(service, null);
        LocalBackend.CheckGpuType(service, []);
        LocalBackend.CheckGpuType(service, ["NVIDIA L4", "NVIDIA A100-SXM4-80GB"]);
        var error = Assert.Throws<WorkerLaunchException>(() => LocalBackend.CheckGpuType(service, ["NVIDIA L4"]));
        Assert.Contains("asks for GPU type 'NVIDIA-A100-SXM4-80GB', and this machine's GPUs are 'NVIDIA L4'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Hoist:Services:embed:GpuType", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalVolumes_AreOneFolderPerAppAndVolume_NamedByTheirVariable()
    {
        var service = Embed() with { Volumes = [new VolumeSpec { Name = "models", Path = "/models" }, new VolumeSpec { Name = "hf-cache", Path = "/cache" }] };

        var variables = LocalVolumes.Variables(service, "/data/hoist");

        Assert.Equal(Path.Combine("/data/hoist", "App", "models"), variables["HOIST_VOLUME_MODELS"]);
        Assert.Equal(Path.Combine("/data/hoist", "App", "hf-cache"), variables["HOIST_VOLUME_HF_CACHE"]);
    }

    [Fact]
    public void HoistVolumesPathOf_OutsideAWorkerOfThatVolume_SaysWhere()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HoistVolumes.PathOf("not-mounted-here"));

        Assert.Contains("HOIST_VOLUME_NOT_MOUNTED_HERE is not set", error.Message, StringComparison.Ordinal);
    }

    // The script as a pod runs it: /bin/sh -c <script> sh <worker command...>.
    private static async Task<(int Code, string[] Stdout, string[] Stderr)> RunScriptAsync(string[] steps, params string[] command)
    {
        var start = new ProcessStartInfo(SetupSteps.Shell) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-c", SetupSteps.PodScript(steps), "sh", .. command])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, Lines(await stdout), Lines(await stderr));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static ServiceDescriptor Embed() => new()
    {
        Name = "embed",
        Kind = ServiceKind.Method,
        DeclaringType = "App.E",
        AssemblyName = "App",
        Methods = ["Embed"],
    };
}

using System.Diagnostics;
using System.Reflection;
using Hoist.Manifests;

namespace Hoist.Benchmarks;

/// <summary>
/// The build-time figures (issue 5): what manifest emit adds to a no-change <c>dotnet build</c> of a sample, and
/// how long rendering 100 services takes. Run with: dotnet run -c Release --project tests/Benchmarks -- build
/// </summary>
internal static class BuildBenchmarks
{
    private const string Sample = "Quickstart";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(bool quick)
    {
        var root = FindRoot();
        var project = Path.Combine(root, "samples", Sample, Sample + ".csproj");
        var configuration = typeof(BuildBenchmarks).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var runs = quick ? 3 : 7;
        Console.WriteLine($"Hoist build benchmarks: {Environment.ProcessorCount} cores, .NET {Environment.Version}, samples/{Sample} in {configuration}, {runs} runs each, alternating");
        Console.WriteLine();

        // Settle: restore, build both ways, so that every later build has nothing to do.
        string[] emitOff = ["-p:HoistEmitManifests=false"];
        await BuildAsync(project, configuration, restore: true);
        await BuildAsync(project, configuration, restore: false, emitOff);
        await BuildAsync(project, configuration, restore: false);
        var manifests = Path.Combine(Path.GetDirectoryName(project)!, "bin", configuration, "net10.0", "manifests");
        if (!Directory.EnumerateFiles(manifests, "*.yaml").Any())
        {
            throw new InvalidOperationException($"The build with emit on wrote no manifests into {manifests}.");
        }

        // The whole build, project references included, as a developer runs it; then the sample alone, where the
        // emit target's own cost is the only difference (in this repository, the build with emit also checks the
        // timestamps of Hoist.ManifestTool's sources, and skips that check with BuildProjectReferences=false; a
        // PackageReference user has no such project).
        string[] alone = ["-p:BuildProjectReferences=false"];
        var (withEmit, withoutEmit) = await AlternateAsync(runs, () => BuildAsync(project, configuration), () => BuildAsync(project, configuration, false, emitOff));
        var (aloneWith, aloneWithout) = await AlternateAsync(runs, () => BuildAsync(project, configuration, false, alone), () => BuildAsync(project, configuration, false, [.. alone, .. emitOff]));

        // When the assembly did change, the target starts the tool: one cold process that reads and renders.
        var tool = Path.Combine(root, "src", "ManifestTool", "bin", configuration, "net10.0", "Hoist.ManifestTool.dll");
        var assembly = Path.Combine(Path.GetDirectoryName(project)!, "bin", configuration, "net10.0", Sample + ".dll");
        var scratch = Directory.CreateTempSubdirectory("hoist-build-bench-");
        var toolRuns = new List<double>();
        try
        {
            for (var i = 0; i < runs; i++)
            {
                toolRuns.Add(await TimeAsync(() => RunAsync(Dotnet, ["exec", tool, "--assembly", assembly, "--output", scratch.FullName], root)));
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        var table = new Table("figure", "without emit", "with emit", "ratio", "goal");
        table.Add($"no-change dotnet build of samples/{Sample}, median (ms)", Measure.Median(withoutEmit), Measure.Median(withEmit), Measure.Median(withEmit) / Measure.Median(withoutEmit), "≤ 1.1×");
        table.Add("  the sample alone (BuildProjectReferences=false)", Measure.Median(aloneWithout), Measure.Median(aloneWith), Measure.Median(aloneWith) / Measure.Median(aloneWithout), "(emit target only)");
        table.Print();
        Console.WriteLine();
        Console.WriteLine($"When the assembly changed: the tool process (read metadata, render, write {Directory.GetFiles(manifests, "*.yaml").Length} manifests), median {Measure.Median(toolRuns):0} ms.");

        var (first, warm, objects) = RenderHundred(quick ? 5 : 20);
        Console.WriteLine($"Render time for 100 services (descriptor to YAML, 5 kinds): median {warm:0.0} ms ({warm * 10:0} µs a service), " +
                          $"of which {objects:0.0} ms building the objects and the rest writing YAML; first run, JIT included, {first:0} ms.");
    }

    /// <summary>Runs <paramref name="a"/> and <paramref name="b"/> in turn, so drift in the machine hits both alike.</summary>
    private static async Task<(List<double> A, List<double> B)> AlternateAsync(int runs, Func<Task> a, Func<Task> b)
    {
        var timesA = new List<double>();
        var timesB = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            timesA.Add(await TimeAsync(a));
            timesB.Add(await TimeAsync(b));
        }

        return (timesA, timesB);
    }

    private static (double FirstMilliseconds, double MedianMilliseconds, double ObjectsMilliseconds) RenderHundred(int runs)
    {
        var options = new ManifestOptions { AppName = "BenchApp", Image = "registry.example/benchapp:1.0" };
        var descriptors = Enumerable.Range(0, 100).Select(Descriptor).ToList();
        var start = Stopwatch.GetTimestamp();
        var files = ManifestFiles.Render(descriptors, options);
        var first = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (files.Count != 100)
        {
            throw new InvalidOperationException($"Rendered {files.Count} files for 100 services.");
        }

        var times = new List<double>();
        var objectTimes = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            start = Stopwatch.GetTimestamp();
            ManifestFiles.Render(descriptors, options);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

            start = Stopwatch.GetTimestamp();
            foreach (var descriptor in descriptors)
            {
                ManifestRenderer.Render(descriptor, options);
            }

            objectTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return (first, Measure.Median(times), Measure.Median(objectTimes));
    }

    // Plain, autoscaled, pytorch, ray and an autoscaled GPU service, in turn.
    private static ServiceDescriptor Descriptor(int i) => new()
    {
        Name = $"service-{i:000}",
        Kind = i % 2 == 0 ? ServiceKind.Method : ServiceKind.Class,
        DeclaringType = $"BenchApp.Services{i}",
        AssemblyName = "BenchApp",
        Methods = ["Run", "Status"],
        Compute = new ComputeSpec
        {
            Cpus = 1 + i % 4,
            Memory = "2Gi",
            Gpus = i % 5 == 4 ? 1 : 0,
            InactivityTtl = i % 3 == 0 ? "30m" : null,
            Image = i % 5 == 3 ? "rayproject/ray:2.9.0" : ComputeSpec.DefaultImage,
        },
        Distribution = (i % 5) switch
        {
            2 => new DistributionSpec { Type = "pytorch", Workers = 4 },
            3 => new DistributionSpec { Type = "ray", Workers = 3 },
            _ => null,
        },
        Autoscale = i % 5 is 1 or 4 ? new AutoscaleSpec { Target = 8, MaxScale = 10, ScaleToZeroGracePeriod = 300 } : null,
    };

    private static Task BuildAsync(string project, string configuration, bool restore = false, params string[] extra) =>
        RunAsync(Dotnet, ["build", project, "-c", configuration, "-nologo", "-v:q", "-nodeReuse:false", .. restore ? Array.Empty<string>() : ["--no-restore"], .. extra],
            Path.GetDirectoryName(project)!);

    private static async Task<double> TimeAsync(Func<Task> action) => (await Measure.ElapsedAsync(action)).TotalMilliseconds;

    private static async Task RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet run` may hand MSBuild's variables down; a nested build must start clean of them.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(BuildTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {BuildTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{await stdout}{await stderr}");
        }
    }

    private static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Framework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Framework.sln above {AppContext.BaseDirectory}: run the benchmarks from a checkout of the repository.");
    }
}

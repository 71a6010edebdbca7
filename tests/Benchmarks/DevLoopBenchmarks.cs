using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using Hoist.Backends.Local;
using Hoist.Client;
using Hoist.Testing;

namespace Hoist.Benchmarks;

/// <summary>
/// Edit to answer, compile included (issue 22): a copy of samples/WarmLoop with warm workers, <c>hoist dev --local</c>
/// watching it, and a method body edited again and again; each figure runs from the file's write to the first call
/// the new body answers. Beside it, in the same run, the path every edit took before: <c>hoist sync --local</c>
/// (dotnet build, then the sync). Run with: dotnet run -c Release --project tests/Benchmarks -- devloop
/// </summary>
internal static class DevLoopBenchmarks
{
    private const string Body = "text.ToUpperInvariant() + \"!\"";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    public static async Task RunAsync(bool quick)
    {
        var configuration = typeof(DevLoopBenchmarks).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var edits = quick ? 3 : 10;
        var builds = quick ? 2 : 5;
        Console.WriteLine($"Hoist dev-loop benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, samples/WarmLoop copied and built in {configuration}; {edits} edits under hoist dev, {builds} through dotnet build + sync");

        var root = Directory.CreateTempSubdirectory("hoist-devloop-bench-");
        var runtime = Path.Combine(root.FullName, "runtime");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(runtime);
        }
        else
        {
            // An XDG_RUNTIME_DIR is private to its user.
            Directory.CreateDirectory(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var warmRoot = Path.Combine(runtime, "hoist", "warm");
        var environment = new Dictionary<string, string?>(DotnetBuild.CleanEnvironment())
        {
            ["XDG_RUNTIME_DIR"] = runtime,
            ["Hoist__Local__KeepWarm"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        try
        {
            var project = CopySample(root.FullName);
            var services = Path.Combine(project, "Services.cs");
            var bin = Path.Combine(project, "bin", configuration, "net10.0");
            Console.WriteLine("Building the copy and starting its warm workers...");
            await RunAsync(DotnetBuild.Dotnet, ["build", "-c", configuration, "-nologo", "-v:q"], project, environment, TimeSpan.FromMinutes(15));
            await RunAsync(Path.Combine(bin, "WarmLoop"), [], bin, environment);

            var cli = Path.Combine(Repository.Root, "src", "Cli", "bin", configuration, "net10.0", "Hoist.Cli.dll");
            var devTimes = new List<double>();
            using (var dev = LineProcess.Start(DotnetBuild.Dotnet, ["exec", cli, "dev", project, "--local", "-c", configuration], project, environment))
            {
                var ready = await WaitForAnyAsync(dev, ["in-process compile ready", "the next save runs dotnet build", "no in-process compile"]);
                Console.WriteLine($"hoist dev: {ready}");
                if (!ready.Contains("ready", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"hoist dev has no in-process compile:\n{dev.Output}");
                }

                // The first edit also stops the frozen ledger's worker (it never takes a sync): a warm-up, not counted.
                for (var edit = 0; edit <= edits; edit++)
                {
                    var elapsed = await EditAndAnswerAsync(services, bin, warmRoot, $"dev{edit}");
                    var line = await dev.WaitForLineAsync("watching for the next change", StepTimeout);
                    Console.WriteLine($"  edit {edit}{(edit == 0 ? " (warm-up)" : "")}: {elapsed:0} ms   [{line}]");
                    if (edit > 0)
                    {
                        devTimes.Add(elapsed);
                    }
                }
            }

            var buildTimes = new List<double>();
            for (var edit = 0; edit < builds; edit++)
            {
                var marker = $"build{edit}";
                var started = Stopwatch.GetTimestamp();
                await WriteEditAsync(services, marker);
                await RunAsync(DotnetBuild.Dotnet, ["exec", cli, "sync", project, "--local", "-c", configuration], project, environment);
                await AnswerAsync(bin, warmRoot, marker, started);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Console.WriteLine($"  dotnet build + sync {edit}: {elapsed:0} ms");
                buildTimes.Add(elapsed);
            }

            var devMedian = Measure.Median(devTimes);
            var buildMedian = Measure.Median(buildTimes);
            Console.WriteLine();
            var table = new Table("edit to answer (ms)", "median", "p90", "vs build path");
            table.AddRow("dotnet build + sync (hoist sync --local)", Table.Format(buildMedian, "0"), Table.Format(Measure.Percentile(buildTimes, 90), "0"), "1.00×");
            table.AddRow("hoist dev, in-process compile + sync", Table.Format(devMedian, "0"), Table.Format(Measure.Percentile(devTimes, 90), "0"), $"{devMedian / buildMedian:0.00}×");
            table.Print();
            Console.WriteLine();
            Console.WriteLine("Goal (issue 22): hoist dev's median at most 1000 ms, compile included, and at most 0.15× the build path. Every figure ends at the first call the new body answered.");
        }
        finally
        {
            await WarmWorkers.StopAllAsync(warmRoot, TimeSpan.FromSeconds(5));
            root.Delete(recursive: true);
        }
    }

    /// <summary>samples/WarmLoop in a folder of its own, building against this repository's sources and settings as it does in place.</summary>
    private static string CopySample(string root)
    {
        var sample = Path.Combine(Repository.Root, "samples", "WarmLoop");
        var project = Path.Combine(root, "WarmLoop");
        Directory.CreateDirectory(project);
        foreach (var file in Directory.EnumerateFiles(sample).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
        }

        var csproj = Path.Combine(project, "WarmLoop.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace(@"..\..\src\", Path.Combine(Repository.Root, "src") + "/", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), $"<Project><Import Project=\"{Path.Combine(Repository.Root, "Directory.Build.props")}\" /></Project>");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), $"<Project><Import Project=\"{Path.Combine(Repository.Root, "samples", "Directory.Build.targets")}\" /></Project>");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), $"<Project><Import Project=\"{Path.Combine(Repository.Root, "Directory.Packages.props")}\" /></Project>");
        return project;
    }

    private static async Task<double> EditAndAnswerAsync(string services, string bin, string warmRoot, string marker)
    {
        var started = Stopwatch.GetTimestamp();
        await WriteEditAsync(services, marker);
        await AnswerAsync(bin, warmRoot, marker, started);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>Shout's body, answering with <paramref name="marker"/> appended: a method-body edit.</summary>
    private static async Task WriteEditAsync(string services, string marker)
    {
        var text = await File.ReadAllTextAsync(services);
        var start = text.IndexOf("text.ToUpperInvariant()", StringComparison.Ordinal);
        var end = text.IndexOf(", Environment.ProcessId", start, StringComparison.Ordinal);
        await File.WriteAllTextAsync(services, text[..start] + Body.Replace("\"!\"", $"\"!{marker}\"", StringComparison.Ordinal) + text[end..]);
    }

    /// <summary>Calls the warm shouter until the new body answers.</summary>
    private static async Task AnswerAsync(string bin, string warmRoot, string marker, long started)
    {
        while (true)
        {
            if (await CallShoutAsync(bin, warmRoot) is { } text && text.EndsWith("!" + marker, StringComparison.Ordinal))
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > StepTimeout)
            {
                throw new TimeoutException($"The shouter never answered with the body marked {marker}.");
            }

            await Task.Delay(5);
        }
    }

    private static async Task<string?> CallShoutAsync(string bin, string warmRoot)
    {
        var group = new WarmWorkers(bin, warmRoot).LiveGroups().SingleOrDefault(g => g.Service == "shouter");
        if (group is null)
        {
            return null;
        }

        var endpoints = WarmWorkers.Endpoints(group, int.MaxValue);
        try
        {
            var reply = await endpoints[0].Client.InvokeAsync(new Protocol.InvokeRequest { Method = "Shout", Json = true, Payload = ByteString.CopyFromUtf8("[\"x\"]") }, endpoints[0].Headers);
            using var json = JsonDocument.Parse(reply.Result.Memory);
            return json.RootElement.GetProperty("Text").GetString();
        }
        catch (Grpc.Core.RpcException)
        {
            return null;
        }
        finally
        {
            foreach (var endpoint in endpoints)
            {
                endpoint.Dispose();
            }
        }
    }

    private static async Task<string> WaitForAnyAsync(LineProcess process, string[] texts)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var line in process.Output.Split('\n'))
            {
                if (texts.Any(t => line.Contains(t, StringComparison.Ordinal)))
                {
                    process.TakeLines();
                    return line;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"hoist dev did not get ready:\n{process.Output}");
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, string directory, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        var result = await ChildProcess.RunAsync(fileName, arguments, directory, timeout ?? StepTimeout, environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Combined}");
        }
    }
}

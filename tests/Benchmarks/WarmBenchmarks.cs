using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using Hoist.Backends.Local;
using Hoist.CodeSync;
using Hoist.Testing;

namespace Hoist.Benchmarks;

/// <summary>
/// Edit-to-answer with warm workers (issue 11), beside a cold start of the same app in the same run:
/// the time from a build's files landing in the app folder to the first answer from the new code. Two paths:
/// running the app again (it attaches, syncs and calls), and <c>hoist dev</c>'s (sync the running workers, then
/// call). Run with: dotnet run -c Release --project tests/Benchmarks -- warm
/// </summary>
internal static class WarmBenchmarks
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    public static async Task RunAsync(bool quick)
    {
        var configuration = typeof(WarmBenchmarks).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var rounds = quick ? 3 : 9;
        Console.WriteLine($"Hoist warm-worker benchmarks: {Environment.ProcessorCount} cores, .NET {Environment.Version}, WarmApp in {configuration}, {rounds} rounds, alternating");
        Console.WriteLine("Building WarmApp v1 and v2...");
        using var builds = await WarmAppBuilds.BuildAsync(configuration);
        var root = Directory.CreateTempSubdirectory("hoist-warm-bench-");
        var app = Path.Combine(root.FullName, "app");
        var warmRuntime = PrivateFolder(Path.Combine(root.FullName, "warm-runtime"));
        var warmRoot = Path.Combine(warmRuntime, "hoist", "warm");
        try
        {
            builds.Install("v1", app);
            var first = await AnswerAsync(app, warmRuntime, keepWarm: true);
            var warmPid = first.ProcessId;
            var variant = "v1";

            var cold = new List<double>();
            var rerun = new List<double>();
            var devPath = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                // A cold start: a runtime folder of its own, so no warm worker to find.
                var coldRuntime = PrivateFolder(Path.Combine(root.FullName, $"cold-{round}"));
                var started = Stopwatch.GetTimestamp();
                var coldAnswer = await AnswerAsync(app, coldRuntime, keepWarm: false);
                cold.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Check(coldAnswer, variant, pid: null);

                // The app run again after a rebuild: attach, sync, call.
                variant = variant == "v1" ? "v2" : "v1";
                builds.Install(variant, app);
                started = Stopwatch.GetTimestamp();
                var rerunAnswer = await AnswerAsync(app, warmRuntime, keepWarm: true);
                rerun.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Check(rerunAnswer, variant, warmPid);

                // hoist dev's path after its build: hash the folder, sync the running workers, and the first call.
                variant = variant == "v1" ? "v2" : "v1";
                builds.Install(variant, app);
                started = Stopwatch.GetTimestamp();
                var devAnswer = await SyncAndCallAsync(app, warmRoot);
                devPath.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Check(devAnswer, variant, warmPid);
            }

            var coldMedian = Measure.Median(cold);
            Console.WriteLine();
            Console.WriteLine($"{"figure",-58} {"median",10} {"vs cold",9}");
            Console.WriteLine($"{"cold start: run the app, new worker, first answer",-58} {coldMedian,8:0} ms {1.0,8:0.00}x");
            Console.WriteLine($"{"edit-to-answer: run the app again (attach, sync, call)",-58} {Measure.Median(rerun),8:0} ms {Measure.Median(rerun) / coldMedian,8:0.00}x");
            Console.WriteLine($"{"edit-to-answer: hoist dev's sync of running workers + call",-58} {Measure.Median(devPath),8:0} ms {Measure.Median(devPath) / coldMedian,8:0.00}x");
            Console.WriteLine();
            Console.WriteLine("Goal (issue 11): edit-to-answer at most 1 s, and at most 0.5x the cold start. Every answer above came from the new code; the warm ones from the same worker process.");
        }
        finally
        {
            await WarmWorkers.StopAllAsync(warmRoot, TimeSpan.FromSeconds(5));
            root.Delete(recursive: true);
        }
    }

    private sealed record Answer(string Variant, int ProcessId);

    private static async Task<Answer> AnswerAsync(string app, string runtime, bool keepWarm)
    {
        var result = await ChildProcess.RunAsync(Path.Combine(app, "WarmApp"), ["answers"], app, RunTimeout, new Dictionary<string, string?>
        {
            ["XDG_RUNTIME_DIR"] = runtime,
            ["Hoist__Local__KeepWarm"] = keepWarm ? "true" : "false",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        var line = result.Output.Split('\n').FirstOrDefault(l => l.StartsWith("answers ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"WarmApp gave no answer (exit code {result.ExitCode}):\n{result.Combined}");
        var fields = line.Trim().Split(' ');
        return new Answer(fields[1], int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<Answer> SyncAndCallAsync(string app, string warmRoot)
    {
        var group = new WarmWorkers(app, warmRoot).LiveGroups().Single(g => g.Service == "answers");
        var endpoints = WarmWorkers.Endpoints(group, int.MaxValue);
        try
        {
            await CodeSyncClient.SyncAsync(endpoints, AppManifest.Scan(app), app, RunTimeout, CancellationToken.None);
            var reply = await endpoints[0].Client.InvokeAsync(new Protocol.InvokeRequest { Method = "Which", Json = true, Payload = ByteString.CopyFromUtf8("[]") }, endpoints[0].Headers);
            using var json = JsonDocument.Parse(reply.Result.Memory);
            return new Answer(json.RootElement.GetProperty("Variant").GetString()!, json.RootElement.GetProperty("ProcessId").GetInt32());
        }
        finally
        {
            foreach (var endpoint in endpoints)
            {
                endpoint.Dispose();
            }
        }
    }

    private static void Check(Answer answer, string variant, int? pid)
    {
        if (answer.Variant != variant || (pid is { } expected && answer.ProcessId != expected))
        {
            throw new InvalidOperationException($"Expected {variant} from process {pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any"}, got {answer.Variant} from {answer.ProcessId}.");
        }
    }

    private static string PrivateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            // An XDG_RUNTIME_DIR is private to its user.
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}

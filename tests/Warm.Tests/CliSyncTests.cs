using System.Collections.Concurrent;
using System.Diagnostics;
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

    /// <summary>A long-running process whose output lines a test waits for.</summary>
    private sealed class LineProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly SemaphoreSlim _arrived = new(0);
        private int _read;

        private LineProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static LineProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
        {
            var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }

            return new LineProcess(Process.Start(start)!);
        }

        /// <summary>The next line, from the ones not yet consumed, that contains <paramref name="text"/>.</summary>
        public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
        {
            var lines = _lines.ToArray();
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                for (; _read < lines.Length; _read++)
                {
                    if (lines[_read].Contains(text, StringComparison.Ordinal))
                    {
                        return lines[_read++];
                    }
                }

                var left = deadline - DateTime.UtcNow;
                Assert.True(left > TimeSpan.Zero && !_process.HasExited, $"No line with '{text}' (exited: {_process.HasExited}). Output so far:\n{string.Join('\n', _lines)}");
                await _arrived.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
                lines = _lines.ToArray();
            }
        }

        public void Dispose()
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
            _arrived.Dispose();
        }

        private void Add(string? line)
        {
            if (line is not null)
            {
                _lines.Enqueue(line);
                _arrived.Release();
            }
        }
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hoist.Cli.Building;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist dev [project] [--local]</c>: the inner loop. Watches the project, and on every saved change builds
/// it and syncs the changed files into the running workers, printing how long each step took. A failed build
/// or a refused sync is printed and the loop goes on; Ctrl+C stops it.
/// </summary>
internal sealed class DevCommand : Command
{
    /// <summary>Edits arrive in bursts (an editor saves several files, a formatter runs): wait for the quiet after them.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly Argument<string?> _project = new("project")
    {
        Description = "The app's project (.csproj). Default: the project in the current folder.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<bool> _local = new("--local") { Description = "Sync the app's warm workers on this machine (Hoist:Local:KeepWarm) instead of its pods." };

    private readonly Option<string> _configuration = new("--configuration", "-c")
    {
        Description = "The configuration to build in: the one the running workers were built in.",
        DefaultValueFactory = _ => "Debug",
    };

    public DevCommand(CliContextFactory contexts)
        : base("dev", "Watch the project; on every change, build it and hot-sync the running workers.")
    {
        Arguments.Add(_project);
        Options.Add(_local);
        Options.Add(_configuration);
        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(string? Project, bool Local, string Configuration);

    public Settings Read(ParseResult parse) => new(parse.GetValue(_project), parse.GetValue(_local), parse.GetValue(_configuration) ?? "Debug");

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var input = AppInput.Resolve(settings.Project, projectOnly: true);
        var folder = Path.GetDirectoryName(input.Path)!;
        using var changes = new SourceChanges(folder);
        await context.Output.WriteLineAsync($"Watching {folder} for changes ({(settings.Local ? "warm local workers" : "the cluster")}); Ctrl+C stops.").ConfigureAwait(false);
        try
        {
            while (true)
            {
                await CycleAsync(context, input, settings, cancellationToken).ConfigureAwait(false);
                await changes.NextAsync(Settle, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
    }

    private static async Task CycleAsync(CliContext context, AppInput input, Settings settings, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        BuiltApp app;
        try
        {
            app = await ProjectBuilder.BuildAsync(input, settings.Configuration, context.Error, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            await context.Error.WriteAsync(ex.Error.Format()).ConfigureAwait(false);
            return;
        }

        var built = Stopwatch.GetElapsedTime(started);
        try
        {
            var lines = await SyncCommand.PassAsync(context, app, settings.Local, cancellationToken).ConfigureAwait(false);
            await SyncCommand.PrintAsync(context, lines).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            await context.Error.WriteAsync(ex.Error.Format()).ConfigureAwait(false);
            return;
        }

        var synced = Stopwatch.GetElapsedTime(started) - built;
        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"build {built.TotalSeconds:0.0} s, sync {synced.TotalMilliseconds:0} ms; watching for the next change")).ConfigureAwait(false);
    }

    /// <summary>Source changes under a project folder: anything but bin/, obj/ and dot-folders.</summary>
    private sealed class SourceChanges : IDisposable
    {
        private readonly FileSystemWatcher _watcher;
        private readonly string _root;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _lastChange;

        public SourceChanges(string root)
        {
            _root = root;
            _watcher = new FileSystemWatcher(root) { IncludeSubdirectories = true, EnableRaisingEvents = true };
            _watcher.Changed += OnChange;
            _watcher.Created += OnChange;
            _watcher.Deleted += OnChange;
            _watcher.Renamed += OnChange;
        }

        /// <summary>Waits for a change, then for <paramref name="settle"/> without another.</summary>
        public async Task NextAsync(TimeSpan settle, CancellationToken cancellationToken)
        {
            await Volatile.Read(ref _changed).Task.WaitAsync(cancellationToken).ConfigureAwait(false);

            // Armed again before settling: a change from here on, even during the build, makes another cycle.
            Volatile.Write(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            while (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastChange)) < settle)
            {
                await Task.Delay(settle / 3, cancellationToken).ConfigureAwait(false);
            }
        }

        public void Dispose() => _watcher.Dispose();

        private void OnChange(object sender, FileSystemEventArgs e)
        {
            var relative = Path.GetRelativePath(_root, e.FullPath).Replace('\\', '/');
            var first = relative.Split('/')[0];
            if (first is "bin" or "obj" || first.StartsWith('.'))
            {
                return;
            }

            Interlocked.Exchange(ref _lastChange, Stopwatch.GetTimestamp());
            Volatile.Read(ref _changed).TrySetResult();
        }
    }
}

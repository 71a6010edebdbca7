using System.Diagnostics;
using Hoist.Cli.Building;
using Hoist.Cli.Commands;

namespace Hoist.Cli.Compiling;

/// <summary>
/// <c>hoist dev</c>'s state between saves: the last build, the warm compilation made from its compiler inputs, and
/// the stamps of the files those inputs came from. A save is compiled in process when <see cref="SaveDecision"/>
/// says it can be, else built with <c>dotnet build</c>; either way a good result is synced and a bad one printed.
/// </summary>
internal sealed class DevLoop(CliContext context, AppInput input, DevCommand.Settings settings)
{
    private static readonly string[] s_buildProperties = [ProjectBuilder.DevLoopProperty];

    private BuiltApp? _app;
    private WarmCompilation? _warm;
    private InputStamps? _stamps;

    /// <summary>
    /// <c>dotnet build</c> (manifest emit off), a sync, then the compile inputs read again and checked: the
    /// in-process compile of the same sources must give what the build gave, or it is not used.
    /// </summary>
    public async Task BuildAsync(string? reason, CancellationToken cancellationToken)
    {
        if (reason is not null)
        {
            await context.Output.WriteLineAsync($"dotnet build: {reason}").ConfigureAwait(false);
        }

        _warm = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            _app = await ProjectBuilder.BuildAsync(input, settings.Configuration, s_buildProperties, context.Error, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            await context.Error.WriteAsync(ex.Error.Format()).ConfigureAwait(false);
            await context.Output.WriteLineAsync("build failed; the workers keep the last good code; watching for the next change").ConfigureAwait(false);
            return;
        }

        var built = Stopwatch.GetElapsedTime(started);
        var synced = await SyncAsync(_app, cancellationToken).ConfigureAwait(false);
        await context.Output.WriteLineAsync(FormattableString.Invariant($"build {built.TotalSeconds:0.0} s, sync {DevCommand.Milliseconds(synced)}; watching for the next change")).ConfigureAwait(false);
        await WarmUpAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One save: nothing, an in-process compile and sync, or a build.</summary>
    public async Task SaveAsync(IReadOnlyCollection<string> touched, CancellationToken cancellationToken)
    {
        if (_warm is null || _stamps is null || _app is null)
        {
            await BuildAsync(_app is null ? "the last build failed" : "the in-process compile is not ready", cancellationToken).ConfigureAwait(false);
            return;
        }

        var inputs = _warm.Inputs;
        switch (SaveDecision.For(touched, inputs.SourceFiles, inputs.ProjectDirectory, _stamps.Changed(), File.Exists))
        {
            case SaveDecision.Build build:
                await BuildAsync(build.Reason, cancellationToken).ConfigureAwait(false);
                return;
            case SaveDecision.Compile compile:
                await CompileAsync(_warm, _app, compile.ChangedFiles, cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    private async Task CompileAsync(WarmCompilation warm, BuiltApp app, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        if (!warm.Update(files))
        {
            return;
        }

        var outcome = warm.Emit(cancellationToken);
        if (!outcome.Succeeded)
        {
            foreach (var line in outcome.ErrorLines)
            {
                await context.Error.WriteLineAsync(line).ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync($"compile failed ({outcome.Errors.Count} error{(outcome.Errors.Count == 1 ? "" : "s")}); the workers keep the last good code; watching for the next change").ConfigureAwait(false);
            return;
        }

        CompiledOutput.Write(app.AssemblyPath, warm.Inputs, outcome);
        var synced = await SyncAsync(app, cancellationToken).ConfigureAwait(false);
        await context.Output.WriteLineAsync($"compile {DevCommand.Milliseconds(outcome.Elapsed)} (generators {DevCommand.Milliseconds(outcome.Generators)}), sync {DevCommand.Milliseconds(synced)}; watching for the next change").ConfigureAwait(false);
    }

    private async Task<TimeSpan> SyncAsync(BuiltApp app, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var lines = await SyncCommand.PassAsync(context, app, settings.Local, cancellationToken).ConfigureAwait(false);
            await SyncCommand.PrintAsync(context, lines).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            await context.Error.WriteAsync(ex.Error.Format()).ConfigureAwait(false);
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Reads the compile inputs of the build just made, compiles the same sources in process and compares.</summary>
    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        CompileInputs inputs;
        try
        {
            inputs = await CompileInputs.ReadAsync(input.Path, settings.Configuration, s_buildProperties, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            await context.Error.WriteAsync(ex.Error.Format()).ConfigureAwait(false);
            await context.Output.WriteLineAsync("no in-process compile: every save runs dotnet build").ConfigureAwait(false);
            return;
        }

        var stamps = InputStamps.Take(inputs.WatchedFiles);
        var warm = WarmCompilation.Create(inputs);
        foreach (var problem in warm.SetupDiagnostics)
        {
            await context.Error.WriteLineAsync(problem.ToString()).ConfigureAwait(false);
        }

        var outcome = warm.Emit(cancellationToken);
        var verdict = CompiledOutput.CompareWithBuild(inputs, outcome, out var identical);
        if (verdict is not null)
        {
            await context.Output.WriteLineAsync($"the in-process compile differs from dotnet build's ({verdict}); the next save runs dotnet build").ConfigureAwait(false);
            return;
        }

        warm.Exercise(cancellationToken);
        (_warm, _stamps) = (warm, stamps);
        await context.Output.WriteLineAsync($"in-process compile ready ({warm.GeneratorCount} generators; its output {(identical ? "is byte for byte" : "has the metadata of")} dotnet build's) in {DevCommand.Milliseconds(Stopwatch.GetElapsedTime(started))}").ConfigureAwait(false);
    }
}

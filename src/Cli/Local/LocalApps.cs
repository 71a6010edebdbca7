using System.Globalization;
using Grpc.Core;
using Hoist.Backends.Local;
using Hoist.Cli.Cluster;
using Hoist.Client;
using Hoist.Protocol;
using Hoist.Transport;

namespace Hoist.Cli.Local;

/// <summary>One warm worker process as <c>hoist status --local</c> shows it, with what it answered when asked.</summary>
internal sealed record WarmWorkerRow(WarmGroupRecord Group, WarmWorkerRecord Worker, WorkerLoad? Load, CodeState? Code, string? Problem);

/// <summary>
/// The warm local workers (Hoist:Local:KeepWarm) of this user's apps on this machine, for <c>hoist status --local</c>
/// and <c>hoist teardown --local</c>: which apps an argument picks, what each worker runs and since when it is idle.
/// </summary>
internal static class LocalApps
{
    private static readonly TimeSpan AskDeadline = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether <paramref name="app"/> picks <paramref name="group"/>'s app: its name (the assembly's, any case), its
    /// project or assembly file, or a folder that holds its build folder (the project's, or the build folder itself).
    /// </summary>
    public static bool Picks(string app, WarmGroupRecord group)
    {
        if (string.Equals(app, group.AppName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(app));
        if (Path.GetExtension(path) is ".csproj" or ".dll")
        {
            // A project or assembly names its app; its folder is where its builds land.
            return string.Equals(Path.GetFileNameWithoutExtension(path), group.AppName, StringComparison.OrdinalIgnoreCase)
                && IsWithin(Path.GetDirectoryName(path)!, group.AppFolder);
        }

        return IsWithin(path, group.AppFolder);
    }

    /// <summary>Asks every worker of <paramref name="groups"/> what it runs and how busy it is, all at once, each within 2 s.</summary>
    public static async Task<IReadOnlyList<WarmWorkerRow>> AskAsync(IReadOnlyList<WarmGroupRecord> groups, CancellationToken cancellationToken)
    {
        var asks = groups.SelectMany(group => WarmWorkers.Endpoints(group, int.MaxValue).Zip(group.Workers.OrderBy(w => w.Rank), (endpoint, worker) => AskAsync(group, worker, endpoint, cancellationToken)));
        return await Task.WhenAll(asks).ConfigureAwait(false);
    }

    /// <summary>The table of <paramref name="rows"/>: one line per worker process, by app and service.</summary>
    public static string Format(IReadOnlyList<WarmWorkerRow> rows, DateTimeOffset now)
    {
        string[] header = ["APP", "SERVICE", "RANK", "PID", "CODE", "CALLS", "IDLE", "FOLDER"];
        return TextTable.Format(header, rows.Select(row => new[]
        {
            row.Group.AppName,
            row.Group.Service,
            row.Worker.Rank.ToString(CultureInfo.InvariantCulture),
            row.Worker.ProcessId.ToString(CultureInfo.InvariantCulture),
            row.Code is { } code ? $"{code.Digest[..Math.Min(12, code.Digest.Length)]} (gen {code.Generation.ToString(CultureInfo.InvariantCulture)})" : "?",
            row.Load is { } load ? $"{load.InFlight.ToString(CultureInfo.InvariantCulture)} now, {load.CallsStarted.ToString(CultureInfo.InvariantCulture)} in all" : "?",
            Idle(row, now),
            row.Group.AppFolder,
        }));
    }

    /// <summary>"4m", "busy", or what went wrong asking.</summary>
    private static string Idle(WarmWorkerRow row, DateTimeOffset now) =>
        row.Problem is { } problem ? problem
        : row.Load is not { } load ? "?"
        : load.InFlight > 0 ? "busy"
        : DeployProgress.Age(now - DateTimeOffset.FromUnixTimeMilliseconds(load.IdleSinceUnixMs));

    private static async Task<WarmWorkerRow> AskAsync(WarmGroupRecord group, WarmWorkerRecord worker, WorkerEndpoint endpoint, CancellationToken cancellationToken)
    {
        using (endpoint)
        {
            var deadline = DateTime.UtcNow + AskDeadline;
            try
            {
                var load = endpoint.Client.GetLoadAsync(new GetLoadRequest(), deadline: deadline, cancellationToken: cancellationToken).ResponseAsync;
                var code = new Protocol.Code.CodeClient(endpoint.Channel).GetCodeAsync(new GetCodeRequest(), endpoint.Headers, deadline, cancellationToken).ResponseAsync;
                return new WarmWorkerRow(group, worker, await load.ConfigureAwait(false), await code.ConfigureAwait(false), null);
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                return new WarmWorkerRow(group, worker, null, null, ex.StatusCode == StatusCode.DeadlineExceeded ? "no answer in 2s" : $"no answer: {ex.StatusCode}");
            }
        }
    }

    private static bool IsWithin(string folder, string appFolder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(appFolder));
        return string.Equals(full, folder, StringComparison.Ordinal)
            || full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}

using Hoist.Client;
using Hoist.Transport;

namespace Hoist.Backends.Local;

/// <summary>
/// The unit the local backend scales: one worker process for an ordinary replica, or every rank of a
/// distributed group. It is ready only when all its processes are, and lost when any of them exits.
/// </summary>
internal sealed class WorkerGroup : IAsyncDisposable
{
    public WorkerGroup(string name, IReadOnlyList<WorkerProcess> workers)
    {
        Name = name;
        Workers = workers;
        Endpoints = workers.Select(w => w.Endpoint).ToArray();
        AnyExited = Task.WhenAny(workers.Select(w => w.Exited));
    }

    public string Name { get; }

    /// <summary>This run's hold on the group's warm record (Hoist:Local:KeepWarm); null for a group that dies with this run.</summary>
    public WarmClaim? Warm { get; init; }

    public IReadOnlyList<WorkerProcess> Workers { get; }

    public IReadOnlyList<WorkerEndpoint> Endpoints { get; }

    /// <summary>Completes when the first of the group's processes exits.</summary>
    public Task AnyExited { get; }

    /// <summary>The calls the group runs: a distributed call runs on every rank, so this is the busiest rank's count.</summary>
    public int InFlight => ServiceDeployment.GroupInFlight(Endpoints);

    /// <summary>Starts every process at once; if one fails, the others are killed and the first error is thrown.</summary>
    public static async Task<WorkerGroup> StartAsync(string name, IReadOnlyList<Func<Task<WorkerProcess>>> launches)
    {
        var starts = launches.Select(launch => launch()).ToArray();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result.KillAsync())).ConfigureAwait(false);
            throw starts.First(s => s.IsFaulted).Exception!.InnerException!;
        }

        return new WorkerGroup(name, starts.Select(s => s.Result).ToArray());
    }

    /// <summary>
    /// Takes the group out of service: waits (up to <paramref name="timeout"/>) for its in-flight calls
    /// to finish, then lets each process drain and exit.
    /// </summary>
    public async Task DrainAndStopAsync(TimeSpan timeout, TimeProvider time)
    {
        foreach (var endpoint in Endpoints)
        {
            endpoint.MarkDraining();
        }

        var started = time.GetTimestamp();
        while (InFlight > 0 && time.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(DrainPollInterval, time).ConfigureAwait(false);
        }

        // Each process still gets a moment to exit by itself once its calls are done.
        var left = timeout - time.GetElapsedTime(started);
        await Task.WhenAll(Workers.Select(w => w.StopAsync(left > MinimumExitGrace ? left : MinimumExitGrace, time))).ConfigureAwait(false);
    }

    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MinimumExitGrace = TimeSpan.FromSeconds(1);

    public async Task KillAsync() => await Task.WhenAll(Workers.Select(w => w.KillAsync())).ConfigureAwait(false);

    /// <summary>Lets go of a warm group, leaving it serving for the next run; its record stays.</summary>
    public async Task DetachAsync()
    {
        await Task.WhenAll(Workers.Select(w => w.DetachAsync())).ConfigureAwait(false);
        Warm?.Dispose();
    }

    /// <summary>Kills without waiting, as this run's process exits; a warm group is left to the next run.</summary>
    public void KillNow()
    {
        if (Warm is not null)
        {
            return;
        }

        foreach (var worker in Workers)
        {
            worker.KillNow();
        }
    }

    /// <summary>Stops (kills) every process; a warm group's record goes with them.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var worker in Workers)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }

        Warm?.Forget();
    }
}

namespace Hoist;

/// <summary>One rank's failure in a distributed call.</summary>
public sealed record RankFailure(int Rank, Exception Exception);

/// <summary>
/// One or more ranks of a distributed call failed. Names every failed rank, in rank order, with its own
/// exception (usually a <see cref="RemoteException"/> or <see cref="WorkerLostException"/>). The other
/// ranks were cancelled.
/// </summary>
public sealed class DistributedCallException(string service, IReadOnlyList<RankFailure> failures)
    : HoistException(
        service,
        replica: null,
        $"Rank(s) {string.Join(", ", failures.Select(f => f.Rank))} of service '{service}' failed: " +
        string.Join("; ", failures.Select(f => $"rank {f.Rank}: {f.Exception.Message}")),
        failures.Count > 0 ? failures[0].Exception : null)
{
    public IReadOnlyList<RankFailure> Failures { get; } = failures;
}

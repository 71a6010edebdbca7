using Grpc.Core;

namespace Hoist;

/// <summary>
/// The user's method threw inside a worker. Carries the remote exception's type, message and stack trace,
/// and where it ran. The remote exception itself is never rebuilt: only its text crosses the wire.
/// </summary>
public sealed class RemoteException : HoistException
{
    public RemoteException(string service, string? replica, int? rank, string remoteType, string remoteMessage, string? remoteStackTrace, RemoteException? innerRemote = null)
        : base(service, replica, $"{remoteType} in service '{service}'{Where(replica, rank)}: {remoteMessage}", innerRemote)
    {
        Rank = rank;
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>The rank that threw, for distributed services.</summary>
    public int? Rank { get; }

    /// <summary>The full name of the exception type thrown in the worker.</summary>
    public string RemoteType { get; }

    public string RemoteMessage { get; }

    public string? RemoteStackTrace { get; }

    public override string? StackTrace =>
        RemoteStackTrace is null ? base.StackTrace : $"{RemoteStackTrace}{Environment.NewLine}   --- end of remote stack trace ---{Environment.NewLine}{base.StackTrace}";

    private static string Where(string? replica, int? rank) =>
        (replica, rank) switch
        {
            (null, null) => "",
            (_, null) => $" (replica {replica})",
            (null, _) => $" (rank {rank})",
            _ => $" (replica {replica}, rank {rank})",
        };
}

/// <summary>The worker serving the call died or became unreachable before it answered.</summary>
public sealed class WorkerLostException(string service, string? replica, string message, Exception? innerException = null)
    : HoistException(service, replica, message, innerException);

/// <summary>A worker did not become ready. <see cref="Output"/> quotes its last lines of stderr.</summary>
public sealed class WorkerLaunchException(string service, string? replica, string message, string output, int? exitCode)
    : HoistException(service, replica, message)
{
    public string Output { get; } = output;

    /// <summary>Why, without the quoted stderr: what a log line says, where the stderr was already shown as it came.</summary>
    public string Reason { get; init; } = message;

    public int? ExitCode { get; } = exitCode;
}

/// <summary>
/// The worker refused the call before running it: a wrong token (PermissionDenied), a request over the
/// size cap (ResourceExhausted), a payload that does not match the signature (InvalidArgument), or an
/// unknown method (Unimplemented). The worker keeps serving.
/// </summary>
public sealed class CallRejectedException(string service, string? replica, StatusCode statusCode, string message, Exception? innerException = null)
    : HoistException(service, replica, message, innerException)
{
    public StatusCode StatusCode { get; } = statusCode;
}

/// <summary>
/// The call's deadline passed before it was answered. The deadline covers the whole call, as gRPC's does: waiting for
/// a launch, for the activator and for a replica, then the call itself; the message says where the time went. A
/// call that reached its worker fired the worker's CancellationToken.
/// </summary>
public sealed class HoistTimeoutException : TimeoutException
{
    public HoistTimeoutException(string service, string? replica, TimeSpan timeout, Exception? innerException = null)
        : this(service, replica, timeout, "the worker had not answered", innerException)
    {
    }

    // where: where the time went, e.g. "no worker ready yet: launch in progress, 480ms of 500ms".
    public HoistTimeoutException(string service, string? replica, TimeSpan timeout, string where, Exception? innerException = null)
        : base($"The call to service '{service}'{(replica is null ? "" : $" (replica {replica})")} did not finish within its deadline of {Settings.SettingDuration.Format(timeout)}: {where}.", innerException)
    {
        Service = service;
        Replica = replica;
        Timeout = timeout;
    }

    public string Service { get; }

    public string? Replica { get; }

    public TimeSpan Timeout { get; }
}

/// <summary>Hoist refused to apply a service to a cluster, and applied nothing: the message says what is in the way.</summary>
public sealed class RolloutRefusedException(string service, string message)
    : HoistException(service, null, message)
{
    /// <summary>What to do about it, when the message does not already say.</summary>
    public string? Hint { get; init; }
}

/// <summary>
/// New code could not be synced to a warm worker or pod: the service is frozen, a file was refused, or the new
/// code failed to load. The worker keeps serving the code it had; <see cref="StatusCode"/> is the worker's answer.
/// </summary>
public sealed class CodeSyncException(string service, string? replica, StatusCode statusCode, bool needsFreshWorkers, string message, Exception? innerException = null)
    : HoistException(service, replica, message, innerException)
{
    public StatusCode StatusCode { get; } = statusCode;

    /// <summary>
    /// True when fresh workers would run the new code although these cannot: the service is frozen, or the
    /// change reaches the worker's host assemblies (Hoist, gRPC, the framework). False when the new code itself failed.
    /// </summary>
    public bool NeedsFreshWorkers { get; } = needsFreshWorkers;
}

/// <summary>
/// The worker refused the call before reading its arguments, because the caller's proxy and the worker's code were
/// built with different wire contracts of the method (a DTO's member renamed, added, removed or retyped; an enum value
/// changed; parameters reordered): the same bytes would mean other values to it. Nothing ran. The message names the
/// method and, where both contracts are known, what differs.
/// </summary>
public sealed class WireContractMismatchException(string service, string? replica, WireContract caller, WireContract worker, int workerGeneration, string message, Exception? innerException = null)
    : HoistException(service, replica, message, innerException)
{
    /// <summary>The caller's contract of the method; its <see cref="WireContract.Shape"/> is empty when the caller's build did not register it.</summary>
    public WireContract Caller { get; } = caller;

    /// <summary>The contract of the code the worker runs.</summary>
    public WireContract Worker { get; } = worker;

    /// <summary>The worker's code generation: 0 for the code it started with, more once a sync replaced it.</summary>
    public int WorkerGeneration { get; } = workerGeneration;

    internal static WireContractMismatchException Create(string service, string? replica, WireContract caller, WireContract worker, int workerGeneration, Exception? innerException)
    {
        var signature = worker.Signature;
        var difference = caller.Shape.Length == 0 ? null : WireContract.Difference(caller.Shape, worker.Shape, "caller", "worker");

        // Newer is knowable one way only: a worker that took a sync after it started runs code this caller's build predates
        // unless the caller restarted since; otherwise (a mixed rollout, a client of another version) it is just different.
        var which = workerGeneration > 0
            ? $"the worker runs a different build of {signature} (synced to it as code generation {workerGeneration}), most likely newer than this caller's"
            : $"the worker runs a different build of {signature}";
        var message =
            $"Service '{service}'{(replica is null ? "" : $" (replica {replica})")} refused the call to '{worker.Method}': {which}. " +
            $"Its wire contract is {worker.Hex}, this caller's is {caller.Hex}{(difference is null ? "" : $"; {difference}")}. " +
            "Nothing ran. Restart the app to pick up the new proxy, or sync or deploy this build to the worker.";
        return new WireContractMismatchException(service, replica, caller, worker, workerGeneration, message, innerException);
    }
}

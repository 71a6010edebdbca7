namespace Hoist.Protocol;

/// <summary>
/// The parts of the worker protocol that are not in hoist.proto: what a caller and a worker, or a backend and a
/// worker process, agree on beside the gRPC messages. Both sides read them from here.
/// </summary>
internal static class WorkerProtocol
{
    /// <summary>The request header that carries the deployment's call token; a worker refuses calls without it.</summary>
    public const string TokenHeader = "x-hoist-token";

    /// <summary>The line a worker prints on stdout once it serves, then its address; the local backend waits for it.</summary>
    public const string ReadyLine = "HOIST_READY";

    /// <summary>
    /// The trailer a worker adds to a refused code sync when only a fresh process can run the new code (the service
    /// is frozen, or the change reaches the host's assemblies), so the caller starts fresh workers instead of failing.
    /// </summary>
    public const string FreshWorkersTrailer = "x-hoist-needs-fresh-workers";

    // The last lines of a refusal for a wire contract: the worker's own contract, for the caller to compare with its own.
    private const string ContractMarker = "\n-- worker's wire contract (generation ";

    /// <summary>
    /// The detail of the FailedPrecondition a worker answers a call with when the caller's proxy was built against another
    /// wire contract of the method than the worker's code: readable as it stands (say, by grpcurl), and ending with the
    /// worker's contract, which <see cref="TryReadContractRefusal"/> reads back for the caller's typed exception.
    /// </summary>
    public static string ContractRefusal(string service, ulong callId, string method, ulong callerFingerprint, WireContract worker, int generation) =>
        $"Service '{service}' refused call {callId} to '{method}' before reading its arguments: the caller's proxy was built against wire contract " +
        $"{WireContract.Format(callerFingerprint)} of {worker.Method}, and the worker's code has {worker.Hex}, so the two would read the same bytes differently." +
        $"{ContractMarker}{generation}) --\n{worker.Shape}";

    /// <summary>The worker's contract and code generation from a refusal <see cref="ContractRefusal"/> wrote, if the detail is one.</summary>
    public static bool TryReadContractRefusal(string detail, string method, out WireContract worker, out int generation)
    {
        var at = detail.IndexOf(ContractMarker, StringComparison.Ordinal);
        var close = at < 0 ? -1 : detail.IndexOf(") --\n", at, StringComparison.Ordinal);
        var hex = detail.LastIndexOf(" has ", at < 0 ? 0 : at, StringComparison.Ordinal);
        if (at < 0 || close < 0 || hex < 0 ||
            !int.TryParse(detail.AsSpan(at + ContractMarker.Length, close - at - ContractMarker.Length), System.Globalization.CultureInfo.InvariantCulture, out generation) ||
            !ulong.TryParse(detail.AsSpan(hex + 5, 16), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var fingerprint))
        {
            worker = null!;
            generation = 0;
            return false;
        }

        worker = new WireContract(method, fingerprint, detail[(close + 5)..]);
        return true;
    }
}

/// <summary>A method's wire contract as <c>hoist.v1.Code/GetCode</c> reports it, read as the caller's own type.</summary>
internal sealed partial class MethodContract
{
    public WireContract ToWireContract() => new(Method, Fingerprint, Shape);
}

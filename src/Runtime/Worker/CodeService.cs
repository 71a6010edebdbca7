using Grpc.Core;
using Hoist.CodeSync;
using Hoist.Hosting;
using Hoist.Protocol;
using Microsoft.Extensions.Logging;
using Hoist.Configuration;

namespace Hoist.Worker;

/// <summary>
/// The worker's side of hot code sync: says what code it runs, loads new code beside it, and switches to it
/// on commit. Behind the same token as calls; a frozen service refuses every change with PermissionDenied.
/// </summary>
internal sealed partial class CodeService(
    ServiceCode code,
    CodeLoader loader,
    CallerToken token,
    WorkerEnvironment environment,
    ILogger<CodeService> logger) : Protocol.Code.CodeBase
{
    // One load at a time: two syncs racing would each build a generation and one would be wasted.
    private static readonly SemaphoreSlim s_loading = new(1, 1);

    public override Task<CodeState> GetCode(GetCodeRequest request, ServerCallContext context)
    {
        token.Authorize(context);
        return Task.FromResult(State());
    }

    public override async Task<PreparedCode> PrepareCode(PrepareCodeRequest request, ServerCallContext context)
    {
        token.Authorize(context);
        RefuseIfFrozen();
        var files = request.Files.Select(CodeFiles.FromMessage).ToArray();
        var contents = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (var content in request.Contents)
        {
            contents[content.Sha256] = content.Data.Memory;
        }

        await s_loading.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            var started = TimeProvider.System.GetTimestamp();
            var generation = loader.Load(code, files, contents);
            var id = code.AddPrepared(generation);
            LogPrepared(logger, environment.ServiceName, generation.Number, contents.Count, contents.Values.Sum(c => (long)c.Length), TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            return new PreparedCode { Id = id, Digest = generation.Manifest.Digest };
        }
        catch (CodeLoadException ex)
        {
            LogRefused(logger, environment.ServiceName, ex.Message);
            var status = ex.Refusal == CodeRefusal.BadRequest ? StatusCode.InvalidArgument : StatusCode.FailedPrecondition;
            throw new RpcException(new Status(status, ex.Message), ex.Refusal == CodeRefusal.NeedsFreshProcess ? FreshWorkers() : []);
        }
        finally
        {
            s_loading.Release();
        }
    }

    public override Task<CodeState> CommitCode(CodeRef request, ServerCallContext context)
    {
        token.Authorize(context);
        RefuseIfFrozen();
        if (!code.TryCommit(request.Id, out var committed))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Service '{environment.ServiceName}' has no prepared code '{request.Id}' (already committed, aborted, or never prepared)."));
        }

        LogCommitted(logger, environment.ServiceName, committed.Number, committed.Manifest.Digest[..12]);
        return Task.FromResult(State());
    }

    public override async Task<CodeState> AbortCode(CodeRef request, ServerCallContext context)
    {
        token.Authorize(context);
        await code.AbortAsync(request.Id).ConfigureAwait(false);
        return State();
    }

    private void RefuseIfFrozen()
    {
        if (environment.Frozen)
        {
            throw new RpcException(
                new Status(
                    StatusCode.PermissionDenied,
                    $"Service '{environment.ServiceName}' is frozen ([Compute(Freeze = true)] or Hoist:Services:{environment.ServiceName}:Freeze) and refuses code sync; a changed build gets fresh workers instead."),
                FreshWorkers());
        }
    }

    private static Metadata FreshWorkers() => new() { { WorkerProtocol.FreshWorkersTrailer, "true" } };

    private CodeState State()
    {
        var current = code.Current;
        var state = new CodeState
        {
            Service = environment.ServiceName,
            Digest = current.Manifest.Digest,
            Frozen = environment.Frozen,
            Generation = current.Number,
        };
        state.Files.Add(current.Manifest.Files.Select(CodeFiles.ToMessage));
        state.WireContracts.Add(current.Dispatcher.WireContracts.Select(static c => new MethodContract { Method = c.Method, Fingerprint = c.Fingerprint, Shape = c.Shape }));
        return state;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: new code loaded as generation {Generation} ({Files} file(s), {Bytes} bytes received) in {Milliseconds:0.#} ms")]
    private static partial void LogPrepared(ILogger logger, string service, int generation, int files, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: now serving generation {Generation} (code {Digest}); calls in flight finish on the old code")]
    private static partial void LogCommitted(ILogger logger, string service, int generation, string digest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: refused new code, the old code keeps serving: {Reason}")]
    private static partial void LogRefused(ILogger logger, string service, string reason);
}

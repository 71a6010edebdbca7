using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Hoist.Client;
using Hoist.Protocol;
using Hoist.Transport;

namespace Hoist.CodeSync;

/// <summary>What a sync did: whether any worker got new code, how much was sent, and how long it took.</summary>
internal sealed record CodeSyncOutcome(bool Changed, int WorkersUpdated, int FilesSent, long BytesSent, TimeSpan Elapsed, string Digest);

/// <summary>
/// The caller's side of hot code sync, for one replica or one whole distributed group: asks each worker what
/// it runs, sends each only the contents it lacks, and commits only once every worker has loaded the new code,
/// so a group never serves half old and half new. Any refusal aborts what was prepared and throws
/// <see cref="CodeSyncException"/>; the workers keep serving their old code.
/// </summary>
internal static class CodeSyncClient
{
    // beforeSync hears what each worker that will get new code runs now, before anything is sent to it.
    public static async Task<CodeSyncOutcome> SyncAsync(
        IReadOnlyList<WorkerEndpoint> workers,
        AppManifest local,
        string localFolder,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Action<WorkerEndpoint, CodeState>? beforeSync = null)
    {
        var started = Stopwatch.GetTimestamp();
        var deadline = DateTime.UtcNow + timeout;
        var states = await Task.WhenAll(workers.Select(w => Guard(w, () => Client(w).GetCodeAsync(new GetCodeRequest(), w.Headers, deadline, cancellationToken).ResponseAsync))).ConfigureAwait(false);
        var stale = workers.Zip(states).Where(pair => pair.Second.Digest != local.Digest).ToArray();
        if (stale.Length == 0)
        {
            return new CodeSyncOutcome(false, 0, 0, 0, Stopwatch.GetElapsedTime(started), local.Digest);
        }

        if (stale.FirstOrDefault(pair => pair.Second.Frozen) is { First: { } frozen })
        {
            throw new CodeSyncException(
                frozen.Service,
                frozen.Replica,
                StatusCode.PermissionDenied,
                needsFreshWorkers: true,
                $"Service '{frozen.Service}' is frozen and runs other code than this build; frozen services get fresh workers, never a sync.");
        }

        foreach (var (worker, state) in stale)
        {
            beforeSync?.Invoke(worker, state);
        }

        var prepared = new List<(WorkerEndpoint Worker, string Id)>();
        var filesSent = 0;
        long bytesSent = 0;
        try
        {
            // The ranks of a group usually lack the same files: each is read once, and its bytes shared by every request.
            var read = new Dictionary<string, ByteString>(StringComparer.Ordinal);
            var requests = stale.Select(pair => Request(local, localFolder, pair.Second, read)).ToArray();
            var preparing = stale.Zip(requests).Select(async item =>
            {
                var worker = item.First.First;
                var reply = await Guard(worker, () => Client(worker).PrepareCodeAsync(item.Second, worker.Headers, deadline, cancellationToken).ResponseAsync).ConfigureAwait(false);
                lock (prepared)
                {
                    prepared.Add((worker, reply.Id));
                }
            }).ToArray();
            try
            {
                await Task.WhenAll(preparing).ConfigureAwait(false);
            }
            catch
            {
                // The first refusal is the answer; the others were on the way and are aborted below alike.
                throw preparing.First(t => t.IsFaulted).Exception!.InnerException!;
            }

            filesSent = requests.Sum(r => r.Contents.Count);
            bytesSent = requests.Sum(r => r.Contents.Sum(c => (long)c.Data.Length));
        }
        catch
        {
            await Task.WhenAll(prepared.Select(p => AbortQuietlyAsync(p.Worker, p.Id))).ConfigureAwait(false);
            throw;
        }

        await Task.WhenAll(prepared.Select(p => Guard(p.Worker, () => Client(p.Worker).CommitCodeAsync(new CodeRef { Id = p.Id }, p.Worker.Headers, deadline, cancellationToken).ResponseAsync))).ConfigureAwait(false);
        return new CodeSyncOutcome(true, prepared.Count, filesSent, bytesSent, Stopwatch.GetElapsedTime(started), local.Digest);
    }

    /// <summary>Every file of the new code, and the contents of those the worker has under no path.</summary>
    private static PrepareCodeRequest Request(AppManifest local, string localFolder, CodeState worker, Dictionary<string, ByteString> read)
    {
        var have = new AppManifest(worker.Files.Select(CodeFiles.FromMessage));
        var request = new PrepareCodeRequest();
        request.Files.Add(local.Files.Select(CodeFiles.ToMessage));
        foreach (var file in have.Missing(local))
        {
            if (!read.TryGetValue(file.Sha256, out var data))
            {
                data = ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(localFolder, file.Path)));
                read[file.Sha256] = data;
            }

            request.Contents.Add(new FileContent { Sha256 = file.Sha256, Data = data });
        }

        return request;
    }

    private static Protocol.Code.CodeClient Client(WorkerEndpoint worker) => new(worker.Channel);

    private static async Task AbortQuietlyAsync(WorkerEndpoint worker, string id)
    {
        try
        {
            await Client(worker).AbortCodeAsync(new CodeRef { Id = id }, worker.Headers, DateTime.UtcNow.AddSeconds(10)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The worker went away, and its prepared code with it.
        }
    }

    /// <summary>Turns a worker's refusal into a <see cref="CodeSyncException"/> that names the service and replica.</summary>
    private static async Task<T> Guard<T>(WorkerEndpoint worker, Func<Task<T>> rpc)
    {
        try
        {
            return await rpc().ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            var fresh = ex.Trailers.GetValue(WorkerProtocol.FreshWorkersTrailer) == "true";
            var detail = ex.StatusCode == StatusCode.Unimplemented
                ? $"Worker {worker.Replica} of service '{worker.Service}' was built by a Hoist without code sync; it needs fresh workers."
                : $"Code sync to worker {worker.Replica} of service '{worker.Service}' failed ({ex.StatusCode}): {ex.Status.Detail}";
            throw new CodeSyncException(worker.Service, worker.Replica, ex.StatusCode, fresh || ex.StatusCode == StatusCode.Unimplemented, detail, ex);
        }
    }
}

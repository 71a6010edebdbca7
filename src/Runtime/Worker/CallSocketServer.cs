using System.Net.Sockets;
using Grpc.Core;
using Hoist.Protocol;
using Hoist.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.Worker;

/// <summary>Where a local worker's call socket listens, and the largest call frame it reads (Hoist:MaxRequestBytes).</summary>
internal sealed record CallSocketOptions(string Path, int MaxFrameBytes);

/// <summary>
/// Serves a local worker's call socket (src/Wire/Transport/CallSocket.cs). Each caller's connection is read on a thread
/// of its own. The first frame must carry this deployment's token; a connection without it gets one refusal,
/// PermissionDenied as call 0, and is closed with nothing else read. After that it is a call stream like gRPC's
/// <c>InvokeStream</c>, served by the same <see cref="WorkerService.ServeCallsAsync"/>: each call runs on the thread
/// pool, and a stopping worker answers the calls it has read before the connection closes.
/// </summary>
internal sealed partial class CallSocketServer(
    CallSocketOptions options,
    IServiceProvider services,
    CallerToken token,
    ILogger<CallSocketServer> logger) : BackgroundService
{
    /// <summary>The token frame is a few dozen bytes: nothing bigger is read from a caller not yet admitted.</summary>
    private const int MaxTokenFrameBytes = 1024;

    private readonly List<Task> _connections = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        // A socket file left by a worker that was killed would make the bind fail.
        File.Delete(options.Path);
        listener.Bind(new UnixDomainSocketEndPoint(options.Path));
        listener.Listen(64);
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
                var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_connections)
                {
                    _connections.RemoveAll(static task => task.IsCompleted);
                    _connections.Add(served.Task);
                }

                new Thread(() =>
                {
                    try
                    {
                        Serve(connection, stoppingToken);
                    }
                    finally
                    {
                        served.SetResult();
                    }
                })
                { IsBackground = true, Name = "Hoist call socket" }.Start();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            File.Delete(options.Path);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // Each connection stopped reading when the worker began stopping; wait for the answers of the calls it had read.
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Serve(Socket connection, CancellationToken stopping)
    {
        using (connection)
        {
            var answers = new FrameWriter<CallResult>(connection);
            try
            {
                var reader = new FrameReader<CallFrame>(connection, CallFrame.Parser, MaxTokenFrameBytes);
                if (!reader.MoveNext(stopping).GetAwaiter().GetResult()
                    || reader.Current.KindCase != CallFrame.KindOneofCase.Token
                    || !token.Matches(reader.Current.Token))
                {
                    token.Refused("a local call socket");
                    _ = answers.WriteAsync(new CallResult { Refusal = new CallRefusal { StatusCode = (int)StatusCode.PermissionDenied, Detail = token.Refusal } });
                    return;
                }

                // The caller never ends its side of a call socket while it waits for answers: the end of its frames means
                // it is gone (closed, or its process died), and the calls it left are cancelled, as gRPC cancels an
                // aborted stream's.
                using var callerGone = new CancellationTokenSource();
                reader.MaxFrameBytes = options.MaxFrameBytes;
                var frames = new CallerFrames(reader, callerGone);
                ActivatorUtilities.CreateInstance<WorkerService>(services).ServeCallsAsync(frames, answers, callerGone.Token).GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                // A malformed or oversized frame, a broken connection: the calls it carried have been stopped, and
                // answered where an answer could still go. Nothing here may end the worker.
                LogEnded(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A call socket connection ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string reason);

    /// <summary>A caller's frames, whose end cancels <c>callerGone</c>.</summary>
    private sealed class CallerFrames(FrameReader<CallFrame> frames, CancellationTokenSource callerGone) : IAsyncStreamReader<CallFrame>
    {
        public CallFrame Current => frames.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (await frames.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            callerGone.Cancel();
            return false;
        }
    }
}

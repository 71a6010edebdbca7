using System.Net.WebSockets;

namespace Hoist.Kubernetes.Tests;

/// <summary>
/// A port-forward WebSocket that replays frames recorded from the API server (v4.channel.k8s.io), then its close
/// (or, <paramref name="holdOpen"/>, nothing more, as a quiet open tunnel), and takes whatever is sent. Not an API
/// server: it answers nothing, it only plays back what one said.
/// </summary>
internal sealed class RecordedWebSocket(bool holdOpen, params byte[][] frames) : WebSocket
{
    private readonly Queue<byte[]> _frames = new(frames);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RecordedWebSocket(params byte[][] frames)
        : this(false, frames)
    {
    }
    private WebSocketState _state = WebSocketState.Open;

    public List<byte[]> Sent { get; } = [];

    public override WebSocketCloseStatus? CloseStatus => _state == WebSocketState.Open ? null : WebSocketCloseStatus.NormalClosure;

    public override string? CloseStatusDescription => null;

    public override WebSocketState State => _state;

    public override string? SubProtocol => "v4.channel.k8s.io";

    public override void Abort()
    {
        _state = WebSocketState.Aborted;
        _closed.TrySetResult();
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        _state = WebSocketState.Closed;
        return Task.CompletedTask;
    }

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        CloseAsync(closeStatus, statusDescription, cancellationToken);

    public override void Dispose()
    {
        _state = WebSocketState.Closed;
        _closed.TrySetResult();
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!_frames.TryDequeue(out var frame))
        {
            if (holdOpen)
            {
                await _closed.Task.WaitAsync(cancellationToken);
            }

            _state = WebSocketState.CloseReceived;
            return new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, WebSocketCloseStatus.NormalClosure, null);
        }

        frame.CopyTo(buffer.AsSpan());
        return new WebSocketReceiveResult(frame.Length, WebSocketMessageType.Binary, true);
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        lock (Sent)
        {
            Sent.Add(buffer.ToArray());
        }

        return Task.CompletedTask;
    }
}

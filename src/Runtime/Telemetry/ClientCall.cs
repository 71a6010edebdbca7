using System.Diagnostics;
using Hoist.Dispatch;
using static Hoist.HoistTelemetry;

namespace Hoist.Telemetry;

/// <summary>
/// One call as the caller reports it: a client span (current while the call is sent, so its context reaches the
/// worker), the in-flight count and the duration. Started only when <see cref="HoistInstruments.IsCallObserved"/>.
/// </summary>
internal sealed class ClientCall : IDisposable
{
    private readonly Activity? _activity;
    private readonly TagList _tags;
    private readonly long _started;
    private readonly bool _countedInFlight;
    private string? _errorType;

    private ClientCall(RemoteMethod method, bool streaming)
    {
        _tags = new TagList
        {
            { Attributes.RpcSystem, RpcSystemName },
            { Attributes.RpcService, method.Service },
            { Attributes.RpcMethod, method.Name },
        };
        _activity = HoistInstruments.Source.StartActivity($"{method.Service}/{method.Name}", ActivityKind.Client, parentContext: default, _tags);
        if (streaming)
        {
            _activity?.SetTag(Attributes.Streaming, true);
        }

        if (HoistInstruments.CallsInFlight.Enabled)
        {
            _countedInFlight = true;
            HoistInstruments.CallsInFlight.Add(1, _tags);
        }

        _started = Stopwatch.GetTimestamp();
    }

    public static ClientCall Start(RemoteMethod method, bool streaming = false) => new(method, streaming);

    /// <summary>Marks the call failed; always false, for use in an exception filter that lets the exception through.</summary>
    public bool Failed(Exception exception)
    {
        _errorType = exception is RemoteException remote ? remote.RemoteType : exception.GetType().FullName;
        if (_activity is not null)
        {
            _activity.SetTag(Attributes.ErrorType, _errorType);
            _activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            _activity.AddException(exception);
        }

        return false;
    }

    public void Dispose()
    {
        _activity?.Dispose();
        var tags = _tags;
        if (_countedInFlight)
        {
            HoistInstruments.CallsInFlight.Add(-1, tags);
        }

        if (HoistInstruments.ClientCallDuration.Enabled)
        {
            if (_errorType is not null)
            {
                tags.Add(Attributes.ErrorType, _errorType);
            }

            HoistInstruments.ClientCallDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
        }
    }
}

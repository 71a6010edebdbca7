using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Hoist.Client;
using Hoist.TestApp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// Every call is one trace across caller and worker, its worker's log records carry that trace, and the Hoist meter
/// reports calls, cold starts and replicas: in this process through real listeners, and end to end through the
/// standalone Aspire dashboard that a separate app and its workers export to.
/// </summary>
public sealed class TelemetryTests
{
    // Over a Unix socket a call is a frame on the worker's call stream, carrying its trace context in the request;
    // over TCP it is a unary gRPC call, carrying it in the metadata.
    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task ACallsWorkerLogRecords_CarryTheCallersTrace(string transport)
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = ListenToHoist(spans);
        var captured = new CapturingLoggerProvider();
        var words = $"trace me {Guid.NewGuid():N}";
        var started = DateTime.UtcNow;
        await using (var app = await HoistApplication.StartAsync([], builder =>
        {
            builder.Logging.AddProvider(captured);
            builder.AddHoist(o => o.Local.Transport = transport);
        }))
        {
            Assert.Equal(transport == "tcp", (await app.Client.Backend.GetDeploymentAsync("traced", CancellationToken.None)).Endpoints[0].SocketPath is null);
            Assert.Equal(words, await Traced.Remote.WithInvoker(app.Client).EchoAsync(words));
            await Eventually.Async(() => captured.Lines.Any(l => l.Message.Contains(words, StringComparison.Ordinal)), "the worker's record of the call");
        }

        var call = Assert.Single(spans, s => s.Kind == ActivityKind.Client && s.DisplayName == "traced/Echo" && s.Status != ActivityStatusCode.Error && s.StartTimeUtc > started);
        Assert.Equal("hoist", call.GetTagItem("rpc.system"));
        Assert.Equal("traced", call.GetTagItem("rpc.service"));
        Assert.Equal("Echo", call.GetTagItem("rpc.method"));

        // The worker exports nothing here, yet its record names the caller's trace and a span of its own: the
        // server span that continued the trace from the call's metadata.
        var record = Assert.Single(captured.Lines, l => l.Message.Contains(words, StringComparison.Ordinal));
        var scope = Assert.Single(record.Scopes.OfType<WorkerLogForwarder.TraceScope>());
        Assert.Equal(call.TraceId.ToHexString(), scope.TraceId);
        Assert.NotEqual(call.SpanId.ToHexString(), scope.SpanId);
        Assert.Matches("^[0-9a-f]{16}$", scope.SpanId);
    }

    [Fact]
    public async Task AStream_IsOneClientSpan_ThatEndsWithTheRemoteException()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = ListenToHoist(spans);
        var items = new List<string>();
        await using (var app = await HoistApplication.StartAsync([]))
        {
            await Assert.ThrowsAsync<RemoteException>(async () =>
            {
                await foreach (var item in Streams.Remote.WithInvoker(app.Client).FailAfterAsync(4))
                {
                    items.Add(item);
                }
            });
        }

        Assert.Equal(4, items.Count);

        // Other tests may stream from 'streams' meanwhile: this one is told apart by its error, after four items.
        var stream = Assert.Single(spans, s => s.DisplayName == "streams/FailAfter" && s.StatusDescription?.Contains("failed after 4 items", StringComparison.Ordinal) == true);
        Assert.Equal(ActivityKind.Client, stream.Kind);
        Assert.Equal(ActivityStatusCode.Error, stream.Status);
        Assert.Equal(true, stream.GetTagItem("hoist.streaming"));
        Assert.Equal(typeof(InvalidOperationException).FullName, stream.GetTagItem("error.type"));
    }

    [Fact]
    public async Task TheMeter_ReportsCallsColdStartsAndReplicas()
    {
        var measured = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == HoistTelemetry.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => measured.Enqueue((i.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => measured.Enqueue((i.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<int>((i, value, tags, _) => measured.Enqueue((i.Name, value, ToDictionary(tags))));
        listener.Start();

        await using (var app = await HoistApplication.StartAsync([]))
        {
            var traced = Traced.Remote.WithInvoker(app.Client);
            await traced.EchoAsync("first, from zero");
            await traced.EchoAsync("second, warm");
            listener.RecordObservableInstruments();
        }

        static bool IsTraced(Dictionary<string, object?> tags, string key) => Equals(tags.GetValueOrDefault(key), "traced");
        var durations = measured.Where(m => m.Instrument == HoistTelemetry.Instruments.ClientCallDuration && IsTraced(m.Tags, "rpc.service")).ToArray();
        Assert.True(durations.Length >= 2, $"{durations.Length} call durations for 'traced'");
        Assert.All(durations, d => Assert.InRange(d.Value, 0, 120));
        Assert.Equal(0, measured.Where(m => m.Instrument == HoistTelemetry.Instruments.CallsInFlight && IsTraced(m.Tags, "rpc.service")).Sum(m => m.Value));

        var coldStart = Assert.Single(measured, m => m.Instrument == HoistTelemetry.Instruments.ColdStartDuration && IsTraced(m.Tags, "hoist.service"));
        Assert.InRange(coldStart.Value, 0.01, 60);
        Assert.Single(measured, m => m.Instrument == HoistTelemetry.Instruments.ColdStarts && IsTraced(m.Tags, "hoist.service"));
        Assert.Contains(measured, m => m.Instrument == HoistTelemetry.Instruments.ScaleDecisions && IsTraced(m.Tags, "hoist.service")
            && Equals(m.Tags["hoist.scale.direction"], "up") && Equals(m.Tags["hoist.scale.trigger"], "activator"));
        Assert.Contains(measured, m => m.Instrument == HoistTelemetry.Instruments.ReadyReplicas && IsTraced(m.Tags, "hoist.service") && m.Value == 1);
        Assert.Contains(measured, m => m.Instrument == HoistTelemetry.Instruments.DesiredReplicas && IsTraced(m.Tags, "hoist.service") && m.Value == 1);
        Assert.Contains(measured, m => m.Instrument == HoistTelemetry.Instruments.ActivatorQueueLength && IsTraced(m.Tags, "hoist.service") && m.Value == 0);
    }

    [AspireDashboardFact]
    public async Task TheAspireDashboard_ShowsOneTracePerCall_AcrossCallerAndWorker_WithTheWorkersLogsUnderIt()
    {
        await using var dashboard = await AspireDashboard.StartAsync();
        const int calls = 3;
        var exitCode = await RunTestAppAsync(dashboard.Otlp, "--traced-calls", calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, exitCode);

        // The app exits only after its workers stopped, and each flushes what it has left as it stops; the
        // dashboard may still be storing it.
        DashboardSpan[] spans = [];
        await Eventually.Async(
            () => (spans = dashboard.SpansAsync().GetAwaiter().GetResult()).Count(s => s.Name == "traced/Echo") >= 2 * calls
                && spans.Count(s => s.Name == "spmd-group/Environment") >= 4,
            "the caller's and the workers' spans in the dashboard",
            TimeSpan.FromSeconds(30));

        var clientSpans = spans.Where(s => s.Name == "traced/Echo" && s.Kind == 3).ToArray();
        var serverSpans = spans.Where(s => s.Name == "traced/Echo" && s.Kind == 2).ToArray();
        Assert.Equal(calls, clientSpans.Length);
        Assert.Equal(calls, serverSpans.Length);
        Assert.Equal(calls, clientSpans.Select(s => s.TraceId).Distinct().Count());
        Assert.All(clientSpans, s => Assert.Equal("Hoist.TestApp", s.Resource));
        foreach (var client in clientSpans)
        {
            // One trace per call: the worker's span is the child of the caller's, in the same trace.
            var server = Assert.Single(serverSpans, s => s.TraceId == client.TraceId);
            Assert.Equal(client.SpanId, server.ParentSpanId);
            Assert.Equal("traced", server.Resource);
            Assert.Matches(@"^traced-\d+$", server.Attributes["hoist.replica"]);
            Assert.Equal("hoist", server.Attributes["rpc.system"]);
            Assert.Equal("Echo", server.Attributes["rpc.method"]);
        }

        // The worker's own log records, exported by the worker, under the server span of the call they were written in.
        DashboardLog[] logs = [];
        await Eventually.Async(
            () => (logs = dashboard.LogsAsync().GetAwaiter().GetResult()).Count(l => l.Body.StartsWith("echoing traced call", StringComparison.Ordinal)) >= calls,
            "the workers' log records in the dashboard",
            TimeSpan.FromSeconds(30));
        foreach (var server in serverSpans)
        {
            var record = Assert.Single(logs, l => l.SpanId == server.SpanId);
            Assert.Equal(server.TraceId, record.TraceId);
            Assert.Equal("traced", record.Resource);
            Assert.StartsWith("echoing traced call", record.Body, StringComparison.Ordinal);
        }

        Assert.Equal(
            Enumerable.Range(0, calls).Select(i => $"echoing traced call {i}").Order(),
            serverSpans.Select(s => logs.Single(l => l.SpanId == s.SpanId).Body).Order());

        // A distributed call is one trace too: the caller's span, and under it one span per rank, named by rank.
        var fanOut = Assert.Single(spans, s => s.Name == "spmd-group/Environment" && s.Kind == 3);
        var ranks = spans.Where(s => s.TraceId == fanOut.TraceId && s.Kind == 2).ToArray();
        Assert.All(ranks, r => Assert.Equal(fanOut.SpanId, r.ParentSpanId));
        Assert.Equal(["0", "1", "2"], ranks.Select(r => r.Attributes["hoist.rank"]).Order());
        Assert.All(ranks, r => Assert.Equal($"spmd-group-1-rank{r.Attributes["hoist.rank"]}", r.Attributes["hoist.replica"]));
    }

    private static ActivityListener ListenToHoist(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HoistTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            dictionary[key] = value;
        }

        return dictionary;
    }

    /// <summary>Runs Hoist.TestApp as an app of its own, exporting to <paramref name="otlp"/>, and returns its exit code.</summary>
    private static async Task<int> RunTestAppAsync(Uri otlp, params string[] arguments)
    {
        var command = Backends.Local.WorkerCommand.ForAssemblyPath(typeof(Probe).Assembly.Location);
        var start = new ProcessStartInfo(command.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Arguments.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.ToString();

        // Export within a fraction of a second rather than the SDK's default five, so the test waits less.
        start.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        start.Environment["OTEL_BLRP_SCHEDULE_DELAY"] = "200";
        using var app = Process.Start(start)!;
        var output = app.StandardOutput.ReadToEndAsync();
        var errors = app.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await app.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            app.Kill(entireProcessTree: true);
            Assert.Fail($"Hoist.TestApp did not finish its traced calls within 2 minutes: {await output} {await errors}");
        }

        Assert.True(app.ExitCode == 0, $"Hoist.TestApp exited with {app.ExitCode}: {await output} {await errors}");
        return app.ExitCode;
    }
}

using Hoist;
using Hoist.TestApp;

// In a worker process this line serves the worker's service and never returns.
await using var hoist = await HoistApplication.StartAsync(args);

if (args is ["--start-worker-and-wait"])
{
    // For the orphan test: start a worker, say its pid, then wait to be killed.
    Console.WriteLine($"WORKER {await Probe.Remote.ProcessIdAsync()}");
    await Task.Delay(Timeout.Infinite);
}

if (args is ["--hold-large-call", var marker])
{
    // For the killed-caller test: two answered calls at once, whose four files the caller keeps for the next (RegionPool),
    // then a call held with its arguments in shared memory (in two of them); then wait to be killed.
    await Task.WhenAll(Arrays.Remote.FloatsAsync(new float[1 << 18]), Arrays.Remote.FloatsAsync(new float[1 << 18]));
    _ = Arrays.Remote.HoldAsync(new float[1 << 18], marker);
    Console.WriteLine($"HOLDING {Environment.ProcessId}");
    await Task.Delay(Timeout.Infinite);
}

if (args is ["--call-until-cancelled", var cancelMarker])
{
    // For the Ctrl+C tests: a call that runs until its worker's token fires; the app lets the cancellation through.
    Console.WriteLine($"WORKER {await Probe.Remote.ProcessIdAsync()}");
    var call = Probe.Remote.WaitForCancellationAsync(cancelMarker);
    Console.WriteLine("CALLING");
    await call;
    return;
}

if (args is ["--loop-until-stopping"])
{
    // For the Ctrl+C test of an app's own loop: it ends by itself when Hoist says the app is stopping.
    Console.WriteLine($"WORKER {await Probe.Remote.ProcessIdAsync()}");
    Console.WriteLine("LOOPING");
    while (!hoist.Stopping.IsCancellationRequested)
    {
        await Task.Delay(20, CancellationToken.None);
    }

    Console.WriteLine("LOOP ENDED");
    return;
}

if (args is ["--large-echo", var length])
{
    // For the shared-machine tests: one call whose arguments and result both travel through shared memory.
    var values = Enumerable.Range(0, int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)).Select(i => (float)i).ToArray();
    var echoed = await Arrays.Remote.FloatsAsync(values);
    Console.WriteLine(values.AsSpan().SequenceEqual(echoed) ? "ECHO same" : "ECHO different");
    return;
}

if (args is ["--echo-under-pressure", var callersText, var echoesText, var lengthText])
{
    // For the small-/dev/shm tests: callers at once, each echoing float arrays in turn, every answer checked exactly.
    var callers = int.Parse(callersText, System.Globalization.CultureInfo.InvariantCulture);
    var echoes = int.Parse(echoesText, System.Globalization.CultureInfo.InvariantCulture);
    var floats = int.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture);
    var outcomes = await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
    {
        var (exact, failures) = (0, new List<string>());
        for (var echo = 0; echo < echoes; echo++)
        {
            var values = new float[floats];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (caller * 1000) + echo + (i * 0.5f);
            }

            try
            {
                var echoed = await Arrays.Remote.FloatsAsync(values);
                exact += values.AsSpan().SequenceEqual(echoed) ? 1 : 0;
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name}: {ex.Message}");
            }
        }

        return (exact, failures);
    })));
    Console.WriteLine($"ECHOED {outcomes.Sum(o => o.exact)} of {callers * echoes} exactly");
    foreach (var failure in outcomes.SelectMany(o => o.failures).Distinct())
    {
        Console.WriteLine($"FAILED {failure}");
    }

    return;
}

if (args is ["--traced-calls", var count])
{
    // For the telemetry test: calls whose worker logs, exported wherever OTEL_EXPORTER_OTLP_ENDPOINT points.
    for (var call = 0; call < int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); call++)
    {
        await Traced.Remote.EchoAsync($"traced call {call}");
    }

    // And one fan-out: one trace, with a server span per rank.
    await SpmdGroup.Remote.EnvironmentAsync();
    return;
}

var sum = await Arithmetic.Remote.AddAsync(2, 3);
Console.WriteLine($"Hoist.TestApp: 2 + 3 = {sum}, computed by a worker");

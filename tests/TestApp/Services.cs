namespace Hoist.TestApp;

public sealed record Line(string Sku, int Quantity, decimal UnitPrice);

public sealed record Order(string Id, IReadOnlyList<Line> Lines, string? Note);

public sealed record Quote(string OrderId, decimal Total, int WorkerProcessId);

/// <summary>Static-method services, one worker each.</summary>
public static partial class Arithmetic
{
    [Compute(LaunchTimeout = 60)]
    public static int Add(int a, int b) => a + b;

    [Compute(Name = "quote", LaunchTimeout = 60)]
    public static async Task<Quote> PriceAsync(Order order, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return new Quote(order.Id, order.Lines.Sum(l => l.Quantity * l.UnitPrice), Environment.ProcessId);
    }
}

/// <summary>A class service: one instance per worker, so its state survives between calls.</summary>
[Compute(Name = "probe", LaunchTimeout = 60)]
public partial class Probe
{
    private int _calls;

    public int ProcessId() => Environment.ProcessId;

    public int CountCalls() => Interlocked.Increment(ref _calls);

    public string Echo(string text) => text;

    public float[] Scale(float[] values, float factor) => values.Select(v => v * factor).ToArray();

    public int? Maybe(int? value) => value is null ? null : value * 2;

    public void Fail(string message) => throw new InvalidOperationException(message, new ArgumentException("the inner cause"));

    public async ValueTask<string> DelayAsync(int milliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(milliseconds, cancellationToken);
        return "done";
    }

    /// <summary>Waits for cancellation and leaves a file behind to prove the worker's token fired.</summary>
    public async Task WaitForCancellationAsync(string markerPath, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(markerPath, "started", CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await File.WriteAllTextAsync(markerPath, "cancelled", CancellationToken.None);
            throw;
        }
    }
}

/// <summary>A service the tests kill; kept apart so killing it disturbs nothing else.</summary>
[Compute(Name = "victim", LaunchTimeout = 60)]
public partial class Victim
{
    public int ProcessId() => Environment.ProcessId;

    public async Task<int> HangAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }
}

/// <summary>Takes longer to build than its launch timeout allows, like a model that loads too slowly.</summary>
[Compute(Name = "slow-start", LaunchTimeout = 5)]
public partial class SlowStart
{
    public SlowStart()
    {
        Console.Error.WriteLine("loading a very large model...");
        Thread.Sleep(TimeSpan.FromSeconds(30));
    }

    public int Ping() => 1;
}

/// <summary>Fails while it is built, so its worker exits before it is ready.</summary>
[Compute(Name = "broken-start", LaunchTimeout = 60)]
public partial class BrokenStart
{
    public BrokenStart() => throw new InvalidOperationException("the model file is missing");

    public int Ping() => 1;
}

/// <summary>Logs and prints, for the tests that read a worker's output at the caller.</summary>
[Compute(Name = "chatty", LaunchTimeout = 60)]
public partial class Chatty(Microsoft.Extensions.Logging.ILogger<Chatty> logger)
{
    public void Speak(string words)
    {
        Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, "logged {Words}", words);
        Console.WriteLine($"printed {words}");
        Console.Error.WriteLine($"complained {words}");
    }
}

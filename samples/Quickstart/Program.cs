using Hoist;
using Quickstart;

// The one line of set-up. In a worker process it serves that worker's service and never returns.
await using var hoist = await HoistApplication.StartAsync(args);

Console.WriteLine($"Caller process: {Environment.ProcessId}");

// A static-method service: the first call starts its worker process on a loopback port.
var stats = await TextTools.Remote.AnalyzeAsync("Hoist sends ordinary C# methods to workers");
Console.WriteLine($"Analyze   -> {stats.Words} words, longest '{stats.Longest}'   (worker {stats.WorkerProcessId}, caller {Environment.ProcessId})");

var unit = await TextTools.Remote.NormalizeAsync([3.0, 4.0]);
Console.WriteLine($"Normalize -> [{string.Join(", ", unit)}]");

// A class service: one instance per worker, so its state carries from call to call.
var greeterPid = await Greeter.Remote.ProcessIdAsync();
Console.WriteLine($"Greet     -> {await Greeter.Remote.GreetAsync("Ada")}   (worker {greeterPid}, caller {Environment.ProcessId})");
Console.WriteLine($"Greet     -> {await Greeter.Remote.GreetAsync("Linus")}   (worker {greeterPid}, caller {Environment.ProcessId})");

// A remote exception comes back typed, with where it happened and the remote stack trace.
try
{
    await TextTools.Remote.DivideAsync(1, 0);
}
catch (RemoteException ex)
{
    Console.WriteLine($"Divide    -> {ex.RemoteType} from service '{ex.Service}' on {ex.Replica}: {ex.RemoteMessage}");
    Console.WriteLine($"             remote stack: {ex.RemoteStackTrace?.Split('\n')[0].Trim()}");
}

// A deadline: the call fails with a HoistTimeoutException and the worker's token fires.
try
{
    await TextTools.Remote.WithTimeout(TimeSpan.FromMilliseconds(1)).NormalizeAsync(new double[1_000_000]);
}
catch (HoistTimeoutException ex)
{
    Console.WriteLine($"Deadline  -> {ex.Message}");
}

Console.WriteLine("Done: disposing Hoist stops every worker.");

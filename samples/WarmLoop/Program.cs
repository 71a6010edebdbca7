using Hoist;
using WarmLoop;

// Run it twice with Hoist__Local__KeepWarm=true, editing Shouter.Shout in between (see README.md here).
await using var hoist = await HoistApplication.StartAsync(args);

var reply = await Shouter.Remote.ShoutAsync("hello from the warm loop");
Console.WriteLine($"shouter -> {reply.Text}   (worker {reply.WorkerProcessId}, call {reply.CallsSeenByThisInstance} of this instance; caller {Environment.ProcessId})");
Console.WriteLine($"ledger  -> worker {await Ledger.Remote.ProcessIdAsync()} (frozen: a new build gets a new worker)");

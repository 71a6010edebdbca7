using AroundTheMethod;
using Hoist;

// The secret's value comes from the caller's configuration on the local backend: user secrets, the environment
// (Hoist__Secrets__model-hub__token) or, as here when neither sets it, a demo value on the command line. It reaches the
// worker as MODEL_HUB_TOKEN and nowhere else: the setup step that echoes it shows *** in the log below.
if (Environment.GetEnvironmentVariable("Hoist__Secrets__model-hub__token") is null)
{
    args = [.. args, "--Hoist:Secrets:model-hub:token=demo-token-0f3a"];
}

await using var hoist = await HoistApplication.StartAsync(args);

var summary = await Summarizer.Remote.SummarizeAsync("Hoist sends ordinary C# methods to workers, with what the workers need around them.");
Console.WriteLine($"Summary  -> '{summary.Text}' (model {summary.Model}, {summary.VocabularyWords} words known)");
Console.WriteLine($"Volume   -> {summary.ModelFolder} (HoistVolumes.PathOf(\"models\") in the worker; /models in a pod)");
Console.WriteLine($"Secret   -> MODEL_HUB_TOKEN is {(summary.HasHubToken ? "set" : "missing")} in worker {summary.WorkerProcessId} (caller {Environment.ProcessId})");
Console.WriteLine("Run it again: the setup steps do not run twice on this machine, and the volume keeps the model.");

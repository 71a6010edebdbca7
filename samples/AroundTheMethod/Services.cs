using Hoist;

namespace AroundTheMethod;

public sealed record Summary(string Text, string Model, string ModelFolder, int VocabularyWords, bool HasHubToken, int WorkerProcessId);

/// <summary>
/// Everything a worker needs around the method, on one service. Locally: the variable and the secret are set in the
/// worker process, the volume is a folder of this app that every replica shares, and the setup steps run once on this
/// machine before the first worker starts (later runs skip them). In a cluster: the same variable, the Kubernetes
/// Secret "model-hub", a PersistentVolumeClaim "models" mounted at /models, the steps in the worker container before it
/// starts, and a 1 GiB /dev/shm.
/// </summary>
public static partial class Summarizer
{
    [Compute(Name = "summarize", Cpus = 1, Memory = "1Gi", SharedMemory = "1Gi", LaunchTimeout = 120)]
    [Env("MODEL_NAME", "tiny-summarizer")]
    [Secret("model-hub", "token", "MODEL_HUB_TOKEN")]
    [Volume("models", "/models", Size = "10Gi")]
    [Setup("mkdir -p \"$HOIST_VOLUME_MODELS/tiny-summarizer\"")]
    [Setup("test -f \"$HOIST_VOLUME_MODELS/tiny-summarizer/vocab.txt\" || { echo \"downloading tiny-summarizer with token $MODEL_HUB_TOKEN\"; printf 'hoist\\nworkers\\nmethods\\n' > \"$HOIST_VOLUME_MODELS/tiny-summarizer/vocab.txt\"; }")]
    public static Summary Summarize(string text)
    {
        var model = Environment.GetEnvironmentVariable("MODEL_NAME") ?? "none";
        var folder = Path.Combine(HoistVolumes.PathOf("models"), model);
        var vocabulary = File.ReadAllLines(Path.Combine(folder, "vocab.txt")).ToHashSet(StringComparer.OrdinalIgnoreCase);

        // A stand-in for a model: keep the words the "model" knows.
        var kept = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('.', ',')).Where(vocabulary.Contains);
        return new Summary(
            string.Join(' ', kept),
            model,
            folder,
            vocabulary.Count,
            Environment.GetEnvironmentVariable("MODEL_HUB_TOKEN") is { Length: > 0 },
            Environment.ProcessId);
    }
}

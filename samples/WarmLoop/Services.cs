using Hoist;

namespace WarmLoop;

public sealed record Reply(string Text, int WorkerProcessId, int CallsSeenByThisInstance);

/// <summary>Edit <see cref="Shout"/> between two runs: the warm worker answers with the new body.</summary>
[Compute(Name = "shouter", InactivityTtl = "10m")]
public partial class Shouter
{
    // Rebuilt from the new code on every sync, so this count starts again after an edit.
    private int _calls;

    public Reply Shout(string text) => new(text.ToUpperInvariant() + "!", Environment.ProcessId, ++_calls);
}

/// <summary>Production code: a changed build gets a fresh worker, never a sync.</summary>
[Compute(Name = "ledger", Freeze = true)]
public partial class Ledger
{
    public int ProcessId() => Environment.ProcessId;
}

namespace Hoist.Worker;

/// <summary>The caps a worker applies to every call, however its arguments arrive (inline or in shared memory).</summary>
internal sealed record WorkerLimits(int MaxRequestBytes);

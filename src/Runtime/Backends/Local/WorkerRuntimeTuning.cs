namespace Hoist.Backends.Local;

/// <summary>The .NET runtime settings a local worker process starts with.</summary>
internal static class WorkerRuntimeTuning
{
    public const string LohThresholdVariable = "DOTNET_GCLOHThreshold";

    /// <summary>8 MiB, in the hexadecimal form the runtime reads from the environment.</summary>
    public const string LohThreshold = "0x800000";

    /// <summary>The runtime's switch for its diagnostic port, debugger and profiler attach: off in workers unless the caller sets it.</summary>
    public const string DiagnosticsVariable = "DOTNET_EnableDiagnostics";
}

namespace Hoist.ManifestTool;

/// <summary>
/// An error or warning as MSBuild's Exec task recognizes it (<c>origin: error HOIST101: text</c>), so it shows
/// in the build's error list at the file it concerns. The IDs are the build-time emit's, HOIST1xx.
/// </summary>
internal sealed record ToolDiagnostic(string Origin, bool IsError, string Id, string Message)
{
    /// <summary>The command line is wrong: Hoist.targets and this tool disagree.</summary>
    public const string BadCommandLine = "HOIST100";

    /// <summary>The assembly cannot be read, or a descriptor in it is malformed.</summary>
    public const string UnreadableAssembly = "HOIST101";

    /// <summary>The appsettings file is not JSON, or its Hoist:Services section does not bind.</summary>
    public const string BadSettings = "HOIST102";

    /// <summary>Hoist:Services names a service the assembly does not declare: most likely a typo.</summary>
    public const string UnknownService = "HOIST103";

    /// <summary>A service cannot be rendered with its overrides and the build's settings.</summary>
    public const string RenderFailed = "HOIST104";

    /// <summary>
    /// Reported by Hoist.targets, never printed here: the tool exited with an error code without a diagnostic (it
    /// crashed, or dotnet could not start it).
    /// </summary>
    public const string ToolFailed = "HOIST105";

    public static ToolDiagnostic Error(string origin, string id, string message) => new(origin, true, id, message);

    /// <summary>The settings rule's ID a refused override ends with, "(HOIST009)", so the build reports it as that ID.</summary>
    public static string IdOf(string problem) =>
        problem.EndsWith(')') && problem.LastIndexOf("(HOIST", StringComparison.Ordinal) is var at and >= 0 ? problem[(at + 1)..^1] : RenderFailed;

    public static ToolDiagnostic Warning(string origin, string id, string message) => new(origin, false, id, message);

    public override string ToString() => $"{Origin}: {(IsError ? "error" : "warning")} {Id}: {Message}";
}

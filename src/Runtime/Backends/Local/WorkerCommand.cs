namespace Hoist.Backends.Local;

/// <summary>
/// Which executable a local worker runs: the assembly that declares the service when it is an app,
/// otherwise the app that is running now. Either way, the same code as the caller.
/// </summary>
internal sealed record WorkerCommand(string FileName, IReadOnlyList<string> Arguments)
{
    public static WorkerCommand For(string? assemblyName) => ForAssemblyPath(CodeSync.AppBuild.AppAssemblyPath(assemblyName));

    /// <summary>
    /// The same command in a session of its own (setsid): a Ctrl+C in the caller's terminal reaches the caller's
    /// process group, not its workers. The caller owns their lifetime (it cancels their calls and stops them, and
    /// their stdin closes when it dies), and a warm worker outlives the run. Unchanged where there is no setsid.
    /// </summary>
    public WorkerCommand InNewSession() =>
        File.Exists(SetSid) ? new WorkerCommand(SetSid, [FileName, .. Arguments]) : this;

    private const string SetSid = "/usr/bin/setsid";

    public static WorkerCommand ForAssemblyPath(string assemblyPath)
    {
        // The apphost next to the dll starts a little faster than 'dotnet exec' and keeps the app's name in ps.
        var appHost = Path.Combine(
            Path.GetDirectoryName(assemblyPath)!,
            Path.GetFileNameWithoutExtension(assemblyPath) + (OperatingSystem.IsWindows() ? ".exe" : ""));
        if (File.Exists(appHost))
        {
            return new WorkerCommand(appHost, []);
        }

        return new WorkerCommand(DotnetHost(), ["exec", assemblyPath]);
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}

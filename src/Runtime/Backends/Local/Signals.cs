using System.Diagnostics;
using System.Runtime.InteropServices;
using Hoist.Configuration;

namespace Hoist.Backends.Local;

/// <summary>
/// SIGTERM for a process this run did not start, or no longer holds a pipe to: a warm worker stops on it as a
/// pod does, letting its in-flight calls finish. Process.Kill only sends SIGKILL. And whether a process a record
/// names may be signalled at all (<see cref="IsOwnWorker"/>).
/// </summary>
internal static class Signals
{
    private const int SigTerm = 15;
    private static readonly byte[] s_workerRole = System.Text.Encoding.ASCII.GetBytes($"{Hoist.Configuration.WorkerEnvironment.Role}={Hoist.Configuration.WorkerEnvironment.WorkerRole}\0");

    /// <summary>
    /// True when process <paramref name="processId"/> runs as this user and was started as a Hoist worker (its
    /// environment at start, in /proc, holds HOIST_ROLE=worker; readable only by its owner or root). Where there is no
    /// /proc to ask, true: the caller's start-time check is then the only one.
    /// </summary>
    public static bool IsOwnWorker(int processId)
    {
        if (!Transport.UnixFiles.IsSupported)
        {
            return true;
        }

        if (Transport.UnixFiles.ProcessOwner(processId) != Transport.UnixFiles.EffectiveUserId)
        {
            return false;
        }

        try
        {
            var environ = File.ReadAllBytes($"/proc/{processId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/environ");
            return environ.AsSpan().StartsWith(s_workerRole) || environ.AsSpan().IndexOf(s_workerRole.Prepend((byte)0).ToArray()) >= 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static void Terminate(int processId)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = NativeMethods.kill(processId, SigTerm);
            return;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", ExactSpelling = true, SetLastError = true)]
#pragma warning disable SYSLIB1054 // Two ints in, one out: blittable, no marshalling code needed.
        public static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
    }
}

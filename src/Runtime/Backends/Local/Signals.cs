using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Hoist.Backends.Local;

/// <summary>
/// SIGTERM for a process this run did not start, or no longer holds a pipe to: a warm worker stops on it as a
/// pod does, letting its in-flight calls finish. Process.Kill only sends SIGKILL.
/// </summary>
internal static class Signals
{
    private const int SigTerm = 15;

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

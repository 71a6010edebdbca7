using System.Runtime.InteropServices;

namespace Hoist.Worker;

/// <summary>Points a warm worker's stdin, stdout and stderr at /dev/null once its caller has read the ready line.</summary>
internal static class StandardStreams
{
    public static void DetachFromCaller()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return;
        }

        // What managed code writes still reaches the log stream through ConsoleTee; only the pipes, which
        // nobody may read any more, are replaced, for native writes too.
        using var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        var fd = (int)devNull.DangerousGetHandle();
        for (var target = 0; target <= 2; target++)
        {
            _ = NativeMethods.dup2(fd, target);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", ExactSpelling = true, SetLastError = true)]
#pragma warning disable SYSLIB1054 // Two ints in, one out: blittable, no marshalling code needed.
        public static extern int dup2(int oldfd, int newfd);
#pragma warning restore SYSLIB1054
    }
}

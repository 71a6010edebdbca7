using System.Diagnostics;

namespace Hoist.Backends.Local;

/// <summary>Counts this machine's NVIDIA GPUs with nvidia-smi; none (and no error) where it is absent.</summary>
internal static class GpuInventory
{
    public static int Count()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", "-L") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return 0;
            }

            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            return process.ExitCode == 0 ? output.Split('\n').Count(line => line.StartsWith("GPU ", StringComparison.Ordinal)) : 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 0; // No nvidia-smi: no GPUs, which is fine.
        }
    }
}

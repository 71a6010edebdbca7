using System.Diagnostics;

namespace Hoist.Backends.Local;

/// <summary>This machine's NVIDIA GPUs, as nvidia-smi lists them; none (and no error) where it is absent.</summary>
internal static class GpuInventory
{
    public static int Count() => NvidiaSmi("-L")?.Split('\n').Count(line => line.StartsWith("GPU ", StringComparison.Ordinal)) ?? 0;

    /// <summary>Each GPU's product name ("NVIDIA A100-SXM4-80GB"); null when there is no nvidia-smi, so nothing to check against.</summary>
    public static IReadOnlyList<string>? Products() =>
        NvidiaSmi("--query-gpu=name", "--format=csv,noheader")?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Whether a GPU product is the one a service asks for (its GPU product setting): GPU feature discovery labels nodes with the product
    /// name, spaces as '-' ("NVIDIA-A100-SXM4-80GB"), so the same spelling matches here, in any case.
    /// </summary>
    public static bool IsProduct(string product, string wanted) =>
        string.Equals(product.Trim().Replace(' ', '-'), wanted, StringComparison.OrdinalIgnoreCase);

    private static string? NvidiaSmi(params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("nvidia-smi") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // No nvidia-smi: no GPUs, which is fine.
        }
    }
}

using System.Diagnostics;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// A test that needs Debian's python3-torch, the real torch.distributed peer. It runs where torch is
/// installed (.ci/run installs it) and is skipped, saying so, where it is not.
/// </summary>
public sealed class TorchFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> s_available = new(() =>
    {
        try
        {
            using var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", "-c \"import torch.distributed\"") { RedirectStandardError = true, UseShellExecute = false });
            python!.WaitForExit(60_000);
            return python.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public TorchFactAttribute()
    {
        if (!s_available.Value)
        {
            Skip = "python3-torch is not installed (apt-get install -y python3-torch; .ci/run does this), so the real torch.distributed peer cannot run.";
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Hoist.Transport;

/// <summary>
/// A per-user folder that only its owner can enter (mode 0700): where local workers' Unix sockets and the
/// shared-memory regions of large calls live. Files in it are named after the process that owns them
/// (<c>&lt;pid&gt;-...</c>), so that what a dead process left behind can be found and removed.
/// </summary>
internal static class PrivateFolder
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>$XDG_RUNTIME_DIR/hoist when the session has one (already private to the user), else /tmp/hoist-&lt;uid&gt;.</summary>
    public static string SocketFolder() =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && Directory.Exists(runtime)
            ? Path.Combine(runtime, "hoist")
            : Path.Combine(Path.GetTempPath(), $"hoist-{UserId()}");

    /// <summary>/dev/shm/hoist-&lt;uid&gt; where /dev/shm is a memory file system, so a region never touches a disk; else the socket folder.</summary>
    public static string SharedMemoryFolder() =>
        Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", $"hoist-{UserId()}") : SocketFolder();

    /// <summary>
    /// A per-user folder that outlives a reboot: <c>$&lt;xdgVariable&gt;/hoist/&lt;name&gt;</c> when the session sets it (say
    /// XDG_CACHE_HOME), else <c>~/&lt;fallback&gt;/hoist/&lt;name&gt;</c>; <see cref="Ensure"/> makes it private.
    /// </summary>
    public static string UserFolder(string xdgVariable, string fallback, string name) =>
        Environment.GetEnvironmentVariable(xdgVariable) is { Length: > 0 } root && Path.IsPathRooted(root)
            ? Path.Combine(root, "hoist", name)
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home
                ? Path.Combine(home, fallback, "hoist", name)
                : Path.Combine(Path.GetTempPath(), $"hoist-{UserId()}-{name}"); // No home (a bare CI user): still one per user.

    /// <summary>
    /// Creates the folder (mode 0700), or makes an existing one 0700 again. Changing the mode works only for
    /// the folder's owner, so a folder someone else made in a shared /tmp is refused rather than used.
    /// </summary>
    public static string Ensure(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            // No Unix modes: a folder under the user's own temp path is already private to the user.
            Directory.CreateDirectory(folder);
            return folder;
        }

        Directory.CreateDirectory(folder, OwnerOnly);
        if (File.GetUnixFileMode(folder) != OwnerOnly)
        {
            try
            {
                File.SetUnixFileMode(folder, OwnerOnly);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new InvalidOperationException($"The folder {folder} belongs to another user; Hoist keeps its sockets and shared memory in a folder only this user can read.", ex);
            }
        }

        return folder;
    }

    /// <summary>
    /// Removes a folder and everything in it, if it is there; a file another process still holds open leaves it
    /// for later, as a best effort should.
    /// </summary>
    public static void TryDeleteTree(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The name of a file owned by this process: <c>&lt;pid&gt;-&lt;suffix&gt;</c>.</summary>
    public static string OwnedName(string suffix) => $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{suffix}";

    /// <summary>Removes the files in <paramref name="folder"/> whose owning process is gone. Returns how many.</summary>
    public static int SweepStale(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsAlive(pid))
            {
                try
                {
                    File.Delete(path);
                    removed++;
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }

        return removed;
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The real user id on Linux (from /proc), else the user name: what makes the folder per user.</summary>
    private static string UserId()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    return line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Environment.UserName;
    }
}

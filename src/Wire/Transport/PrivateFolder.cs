using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Hoist.Transport;

/// <summary>A place Hoist would keep something private in, refused: the message names it, its owner and mode, and the fix.</summary>
internal sealed class PrivateFolderException(string message) : IOException(message);

/// <summary>
/// The one way Hoist makes a private place (sockets, shared memory, warm records and build copies, code
/// generations, the setup cache, volumes): a folder that is not a symlink, belongs to the effective user and has
/// mode 0700, inside folders that no other user can rename it out of. A place that is missing is made with one
/// <c>mkdir</c> at 0700 and checked again, since someone may have made it first; one that fails the check is
/// refused, never repaired with chmod, followed or emptied. Files in it are named <c>&lt;pid&gt;-...</c>, so that what a
/// dead process left behind can be found and removed.
/// </summary>
internal static partial class PrivateFolder
{
    private const int OthersMayWrite = 0x12; // 0022
    private const int Sticky = 0x200; // 01000

    // A default place someone else holds, and the fresh one this process uses instead (said once).
    private static readonly ConcurrentDictionary<string, string> s_fallbacks = new(StringComparer.Ordinal);

    /// <summary>
    /// $XDG_RUNTIME_DIR/hoist when the session has one, else /tmp/hoist-&lt;euid&gt;: made private, or, when that place is
    /// taken, a fresh one (mkdtemp) that this process keeps using, with a warning said once.
    /// </summary>
    public static string SocketFolder(ILogger? logger = null) =>
        Settle(DefaultSocketFolder(), Path.Combine(Path.GetTempPath(), $"hoist-{UserId()}-"), logger);

    /// <summary>/dev/shm/hoist-&lt;euid&gt; where /dev/shm is a memory file system, so a region never touches a disk; else the socket folder. Settled as <see cref="SocketFolder"/> is.</summary>
    public static string SharedMemoryFolder(ILogger? logger = null) =>
        Directory.Exists("/dev/shm")
            ? Settle(Path.Combine("/dev/shm", $"hoist-{UserId()}"), Path.Combine("/dev/shm", $"hoist-{UserId()}-"), logger)
            : SocketFolder(logger);

    /// <summary>The socket folder's default place, before any check.</summary>
    public static string DefaultSocketFolder() =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && Path.IsPathRooted(runtime)
            ? Path.Combine(runtime, "hoist")
            : Path.Combine(Path.GetTempPath(), $"hoist-{UserId()}");

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
    /// Why <paramref name="place"/> cannot be a private place, given what lstat says of it; null when it can. Pure.
    /// One line: the place, its owner and mode, and the fix.
    /// </summary>
    public static string? Refusal(string place, FileFacts facts, uint user)
    {
        if (!facts.Exists)
        {
            return $"Hoist refuses {place}: it does not exist.";
        }

        var found = $"(owner uid {facts.Owner.ToString(CultureInfo.InvariantCulture)}, mode {facts.OctalMode})";
        if (facts.IsSymlink)
        {
            return $"Hoist refuses {place}: it is a symlink {found}, and Hoist never follows one to a private place; remove it.";
        }

        if (!facts.IsDirectory)
        {
            return $"Hoist refuses {place}: it is not a folder {found}; remove it.";
        }

        if (facts.Owner != user)
        {
            return $"Hoist refuses {place}: it belongs to another user {found}, not to uid {user.ToString(CultureInfo.InvariantCulture)}; have its owner or root remove it, or point Hoist elsewhere.";
        }

        return facts.Mode != UnixFiles.OwnerOnlyFolder
            ? $"Hoist refuses {place}: others may reach into it {found}, where a private place has 0700; remove it, or chmod 700 it if nothing in it was shared."
            : null;
    }

    /// <summary>
    /// Why a folder above a private place makes it unsafe, given stat (followed) and lstat of it; null when it is
    /// safe. Pure. Its owner must be root or the user, and only they may write to it, unless it is sticky (as /tmp
    /// is): otherwise its owner, or anyone, could rename the private place away and put another in its stead.
    /// </summary>
    public static string? AncestorRefusal(string place, string ancestor, FileFacts facts, FileFacts link, uint user)
    {
        var found = $"(owner uid {facts.Owner.ToString(CultureInfo.InvariantCulture)}, mode {facts.OctalMode})";
        if (link.IsSymlink && link.Owner != 0 && link.Owner != user)
        {
            return $"Hoist refuses {place}: {ancestor} above it is another user's symlink (owner uid {link.Owner.ToString(CultureInfo.InvariantCulture)}); point Hoist at a folder of your own.";
        }

        if (!facts.IsDirectory)
        {
            return $"Hoist refuses {place}: {ancestor} above it is not a folder {found}.";
        }

        if (facts.Owner != 0 && facts.Owner != user)
        {
            return $"Hoist refuses {place}: {ancestor} above it belongs to another user {found}, who could replace it; point Hoist at a folder of your own.";
        }

        return (facts.Mode & OthersMayWrite) != 0 && (facts.Mode & Sticky) == 0
            ? $"Hoist refuses {place}: others may write to {ancestor} above it {found}, so they could replace it; chmod go-w {ancestor}, or point Hoist elsewhere."
            : null;
    }

    /// <summary>
    /// Makes <paramref name="folder"/> private, or checks that it is: each missing folder on the way is made with
    /// mkdir 0700 and checked again; an existing one must pass <see cref="Refusal"/> (the last) or
    /// <see cref="AncestorRefusal"/> (those above it).
    /// </summary>
    /// <exception cref="PrivateFolderException">The place or a folder above it is not safe; nothing was changed in it.</exception>
    public static string Ensure(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            // No Unix modes: a folder under the user's own temp path is already private to the user.
            Directory.CreateDirectory(folder);
            return folder;
        }

        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var chain = new Stack<string>();
        for (var current = full; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            chain.Push(current);
        }

        var user = UnixFiles.EffectiveUserId;
        var above = true;
        while (chain.TryPop(out var next))
        {
            var last = chain.Count == 0;
            var facts = UnixFiles.LStat(next);
            var made = !facts.Exists && UnixFiles.TryMakeFolder(next);
            if (made || !facts.Exists)
            {
                // Made by us, or by someone in between: either way it must now be ours and private.
                above = false;
                facts = UnixFiles.LStat(next);
            }

            var refusal = last || !above
                ? Refusal(last ? next : $"{next} (on the way to {full})", facts, user)
                : AncestorRefusal(full, next, facts.IsSymlink ? UnixFiles.Stat(next) : facts, facts, user);
            if (refusal is not null)
            {
                throw new PrivateFolderException(refusal);
            }
        }

        return folder;
    }

    /// <summary>True when <paramref name="folder"/> exists and passes <see cref="Refusal"/>; never makes or changes anything.</summary>
    public static bool IsPrivate(string folder) =>
        OperatingSystem.IsWindows() ? Directory.Exists(folder) : Refusal(folder, UnixFiles.LStat(folder), UnixFiles.EffectiveUserId) is null;

    /// <summary>
    /// <paramref name="folder"/> made private with <see cref="Ensure"/>; when it is refused, a fresh private folder
    /// (mkdtemp at <paramref name="fallbackPrefix"/>XXXXXX) that this process then keeps using instead, said once.
    /// </summary>
    public static string Settle(string folder, string fallbackPrefix, ILogger? logger = null)
    {
        if (s_fallbacks.TryGetValue(folder, out var chosen))
        {
            return Ensure(chosen);
        }

        try
        {
            return Ensure(folder);
        }
        catch (PrivateFolderException refused)
        {
            var fresh = Ensure(UnixFiles.MakeFreshFolder(fallbackPrefix));
            if (s_fallbacks.TryAdd(folder, fresh))
            {
                if (logger is not null)
                {
                    LogFallback(logger, refused.Message, fresh);
                }
                else
                {
                    Console.Error.WriteLine($"{refused.Message} Using the fresh private folder {fresh} instead.");
                }

                return fresh;
            }

            TryDeleteTree(fresh);
            return Ensure(s_fallbacks[folder]);
        }
    }

    /// <summary>
    /// Removes a folder and everything in it, if it is there and is this user's own folder (not a symlink); a file
    /// another process still holds open leaves it for later, as a best effort should. Symlinks inside are removed,
    /// never followed.
    /// </summary>
    public static void TryDeleteTree(string folder)
    {
        try
        {
            var facts = UnixFiles.LStat(folder);
            if (facts is { Exists: true, IsDirectory: true, IsSymlink: false } && facts.Owner == UnixFiles.EffectiveUserId)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The name of a file owned by this process: <c>&lt;pid&gt;-&lt;random&gt;.&lt;kind&gt;</c>, which no one can guess ahead of it.
    /// The pid lets a later run sweep what a dead one left.
    /// </summary>
    public static string OwnedName(string kind)
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(random)}.{kind}";
    }

    /// <summary>
    /// Removes the files in a private <paramref name="folder"/> whose owning process is gone, and that this user
    /// owns. Returns how many. Nothing is removed from a folder that is not private.
    /// </summary>
    public static int SweepStale(string folder)
    {
        if (!IsPrivate(folder))
        {
            return 0;
        }

        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsAlive(pid)
                && UnixFiles.LStat(path).Owner == UnixFiles.EffectiveUserId)
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

    /// <summary>The effective user id on Linux, else the user name: what makes the default places per user.</summary>
    private static string UserId() =>
        UnixFiles.IsSupported ? UnixFiles.EffectiveUserId.ToString(CultureInfo.InvariantCulture) : Environment.UserName;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Refusal} Using the fresh private folder {Folder} instead, for this process.")]
    private static partial void LogFallback(ILogger logger, string refusal, string folder);
}

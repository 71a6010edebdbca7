using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Hoist.Transport;

/// <summary>What <c>lstat</c> or <c>fstat</c> says about one place: plain values, so the verdicts on them are pure.</summary>
internal readonly record struct FileFacts(bool Exists, bool IsSymlink, bool IsDirectory, bool IsRegularFile, uint Owner, int Mode, long Length)
{
    public static readonly FileFacts Missing = new(false, false, false, false, 0, 0, 0);

    /// <summary>The permission bits with setuid, setgid and sticky, as <c>ls</c> shows them in octal.</summary>
    public string OctalMode => Convert.ToString(Mode & 0xFFF, 8).PadLeft(4, '0');
}

/// <summary>
/// The few system calls that make a private place private, which .NET has no managed API for: the owner of a
/// file (statx, never following a symlink), the effective user id, a single <c>mkdir</c> at 0700,
/// <c>mkdtemp</c>, and <c>open</c> with O_NOFOLLOW and O_EXCL. Linux only; elsewhere the owner is not
/// checked (see <see cref="IsSupported"/>) and the managed calls stand in.
/// </summary>
internal static class UnixFiles
{
    public const int OwnerOnlyFolder = 0x1C0; // 0700
    public const int OwnerOnlyFile = 0x180; // 0600

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7FF;
    private const int StatxSize = 256;
    private const int FileTypeMask = 0xF000;
    private const int TypeDirectory = 0x4000;
    private const int TypeRegular = 0x8000;
    private const int TypeSymlink = 0xA000;
    private const int ENOENT = 2;
    private const int EEXIST = 17;
    private const int ELOOP = 40;
    private const int ENOTDIR = 20;

    private const int ReadOnly = 0x0;
    private const int WriteOnly = 0x1;
    private const int ReadWrite = 0x2;
    private const int Create = 0x40;
    private const int Exclusive = 0x80;
    private const int CloseOnExec = 0x80000;

    // The one flag whose value differs between the architectures .NET runs on Linux.
    private static readonly int s_noFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    private static readonly Lazy<uint> s_euid = new(() => IsSupported ? NativeMethods.geteuid() : 0);

    /// <summary>True where owners and O_NOFOLLOW are checked: Linux, whose statx layout is the same on every architecture.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The effective user id: who owns what this process creates, so who its private places must belong to.</summary>
    public static uint EffectiveUserId => s_euid.Value;

    /// <summary>lstat: what is at <paramref name="path"/> itself, a symlink reported as one and never followed.</summary>
    public static FileFacts LStat(string path)
    {
        if (!IsSupported)
        {
            return ManagedFacts(path);
        }

        var buffer = new byte[StatxSize];
        if (NativeMethods.statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? FileFacts.Missing : throw Failed("lstat", path, errno);
        }

        return Facts(buffer);
    }

    /// <summary>stat: what a path leads to, following symlinks (for the folders above a private place).</summary>
    public static FileFacts Stat(string path)
    {
        if (!IsSupported)
        {
            return ManagedFacts(path);
        }

        var buffer = new byte[StatxSize];
        if (NativeMethods.statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR or ELOOP ? FileFacts.Missing : throw Failed("stat", path, errno);
        }

        return Facts(buffer);
    }

    /// <summary>fstat: what an open handle is, whatever its name now points to.</summary>
    public static FileFacts FStat(SafeFileHandle handle, string path)
    {
        var buffer = new byte[StatxSize];
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (NativeMethods.statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxBasicStats, buffer) != 0)
            {
                throw Failed("fstat", path, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return Facts(buffer);
    }

    /// <summary>mkdir at 0700 (less the umask); false when something is already there, which the caller then checks.</summary>
    public static bool TryMakeFolder(string path)
    {
        if (!IsSupported)
        {
            if (Directory.Exists(path) || File.Exists(path))
            {
                return false;
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return true;
        }

        if (NativeMethods.mkdir(path, OwnerOnlyFolder) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EEXIST ? false : throw Failed("mkdir", path, errno);
    }

    /// <summary>mkdtemp: a new folder at 0700 whose name ends in six random characters after <paramref name="prefix"/>.</summary>
    public static string MakeFreshFolder(string prefix)
    {
        if (!IsSupported)
        {
            var fresh = prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
            TryMakeFolder(fresh);
            return fresh;
        }

        var template = System.Text.Encoding.UTF8.GetBytes(prefix + "XXXXXX\0");
        if (NativeMethods.mkdtemp(template) == IntPtr.Zero)
        {
            throw Failed("mkdtemp", prefix + "XXXXXX", Marshal.GetLastPInvokeError());
        }

        return System.Text.Encoding.UTF8.GetString(template, 0, template.Length - 1);
    }

    /// <summary>
    /// A new file at 0600, never one that is there already nor through a symlink (O_CREAT | O_EXCL | O_NOFOLLOW):
    /// fails with an <see cref="IOException"/> when the name is taken.
    /// </summary>
    public static SafeFileHandle CreateNew(string path, FileAccess access = FileAccess.Write)
    {
        if (!IsSupported)
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = access, Share = FileShare.ReadWrite | FileShare.Delete };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            return new FileStream(path, options).SafeFileHandle;
        }

        return Open(path, Flags(access) | Create | Exclusive, OwnerOnlyFile);
    }

    /// <summary>
    /// Opens an existing regular file only if it is not a symlink and this user owns it (checked on the open handle,
    /// so a swap after the check changes nothing). Its facts come back for the length.
    /// </summary>
    public static SafeFileHandle OpenOwned(string path, FileAccess access, out FileFacts facts)
    {
        if (!IsSupported)
        {
            var handle = File.OpenHandle(path, FileMode.Open, access, FileShare.ReadWrite | FileShare.Delete);
            facts = new FileFacts(true, false, false, true, 0, 0, RandomAccess.GetLength(handle));
            return handle;
        }

        var opened = Open(path, Flags(access), 0);
        try
        {
            facts = FStat(opened, path);
            if (!facts.IsRegularFile || facts.Owner != EffectiveUserId)
            {
                throw new UnauthorizedAccessException(
                    $"{path} is not a file of this user (owner {facts.Owner}, mode {facts.OctalMode}{(facts.IsRegularFile ? "" : ", not a regular file")}); Hoist reads and writes only its own files.");
            }

            return opened;
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Removes a variable from the environment that child processes inherit: .NET's copy (Process.Start) and, on
    /// Unix, the C library's (what native code that forks and execs passes on).
    /// </summary>
    public static void RemoveFromEnvironment(string name)
    {
        Environment.SetEnvironmentVariable(name, null);
        if (IsSupported)
        {
            _ = NativeMethods.unsetenv(name);
        }
    }

    /// <summary>
    /// Asks the kernel to map every page of a read-only mapping now, in one call (madvise MADV_POPULATE_READ, Linux 5.14+),
    /// instead of one page fault per few pages as they are first read; a kernel without it leaves the faults as they were.
    /// </summary>
    public static void PopulateForReading(nint address, long length)
    {
        const int PopulateRead = 22; // MADV_POPULATE_READ
        const long PageSize = 4096;
        if (IsSupported && length > 0)
        {
            var start = address & ~(nint)(PageSize - 1);
            _ = NativeMethods.madvise(start, (nuint)(length + (address - start)), PopulateRead);
        }
    }

    /// <summary>The uid that owns <c>/proc/&lt;pid&gt;</c>: the process's owner; null when there is no such process.</summary>
    public static uint? ProcessOwner(int processId)
    {
        var facts = LStat($"/proc/{processId.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return facts.Exists ? facts.Owner : null;
    }

    private static int Flags(FileAccess access) =>
        CloseOnExec | s_noFollow | access switch
        {
            FileAccess.Read => ReadOnly,
            FileAccess.Write => WriteOnly,
            _ => ReadWrite,
        };

    private static SafeFileHandle Open(string path, int flags, int mode)
    {
        var fd = NativeMethods.open(path, flags, mode);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                ENOENT => new FileNotFoundException($"Could not find file '{path}'.", path),
                EEXIST => new IOException($"{path} already exists; Hoist creates its files afresh and never opens one that is there.", unchecked((int)0x80070050)),
                ELOOP => new UnauthorizedAccessException($"{path} is a symlink; Hoist never follows one in its private places."),
                _ => Failed("open", path, errno),
            };
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static FileFacts Facts(ReadOnlySpan<byte> statx)
    {
        // struct statx: stx_uid at 20, stx_mode at 28 (16 bits), stx_size at 40; the same on every Linux architecture.
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(statx[28..]);
        var type = mode & FileTypeMask;
        return new FileFacts(
            Exists: true,
            IsSymlink: type == TypeSymlink,
            IsDirectory: type == TypeDirectory,
            IsRegularFile: type == TypeRegular,
            Owner: BinaryPrimitives.ReadUInt32LittleEndian(statx[20..]),
            Mode: mode & 0xFFF,
            Length: (long)BinaryPrimitives.ReadUInt64LittleEndian(statx[40..]));
    }

    private static FileFacts ManagedFacts(string path)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            return FileFacts.Missing;
        }

        var mode = OperatingSystem.IsWindows() ? OwnerOnlyFolder : (int)info.UnixFileMode;
        return new FileFacts(true, info.LinkTarget is not null, info is DirectoryInfo, info is FileInfo, EffectiveUserId, mode, info is FileInfo file ? file.Length : 0);
    }

    private static IOException Failed(string call, string path, int errno) =>
        new($"{call} {path} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");

    private static class NativeMethods
    {
#pragma warning disable SYSLIB1054 // Strings and blittable arrays only: DllImport's marshalling is what LibraryImport would generate, without unsafe code.
#pragma warning disable CA2101 // UTF-8 on Unix, where a path is bytes.
        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

        [DllImport("libc", SetLastError = true)]
        public static extern int mkdir([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr mkdtemp([In, Out] byte[] template);

        [DllImport("libc")]
        public static extern uint geteuid();

        [DllImport("libc")]
        public static extern int madvise(nint address, nuint length, int advice);

        [DllImport("libc")]
        public static extern int unsetenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
#pragma warning restore CA2101
#pragma warning restore SYSLIB1054
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Hoist.Testing;

/// <summary>A test that needs a <see cref="SharedMachine"/>: skipped, saying why, where one cannot be made.</summary>
public sealed class SharedMachineFactAttribute : Xunit.FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(SharedMachine.WhyNot);

    public SharedMachineFactAttribute()
    {
        if (s_whyNot.Value is { } why)
        {
            Skip = $"A second local user and a private mount namespace are needed: {why}.";
        }
    }
}

/// <summary>
/// A shared machine in miniature, for the tests of what another local user can do to a Hoist run: a private mount
/// namespace (unshare -m) with fresh tmpfs /tmp and /dev/shm, so the machine's own folders are never touched, and a
/// second local user made for the test (useradd). Commands run inside it as root (the victim) or as that user (the
/// attacker) through nsenter and setpriv; <see cref="Inside"/> reaches its files from the test, through /proc.
/// Needs root on Linux with those tools; <see cref="WhyNot"/> says what is missing, for the test to skip.
/// </summary>
internal sealed class SharedMachine : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private readonly Process _holder;

    private SharedMachine(Process holder, string attacker, int attackerUid, int attackerGid)
    {
        _holder = holder;
        Attacker = attacker;
        AttackerUid = attackerUid;
        AttackerGid = attackerGid;
    }

    public string Attacker { get; }

    public int AttackerUid { get; }

    public int AttackerGid { get; }

    /// <summary>Why these tests cannot run here, or null when they can.</summary>
    public static string? WhyNot()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux (mount namespaces, /proc)";
        }

        if (Environment.UserName != "root" && !string.Equals(Run("id", "-u").Trim(), "0", StringComparison.Ordinal))
        {
            return "needs root, to create a second user and a mount namespace";
        }

        foreach (var tool in new[] { "unshare", "nsenter", "setpriv", "useradd", "userdel" })
        {
            if (!new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" }.Any(folder => File.Exists(Path.Combine(folder, tool))))
            {
                return $"needs {tool}";
            }
        }

        // The namespace's fresh /tmp and /dev/shm would hide the test's own binaries (a checkout under /tmp).
        if (new[] { "/tmp/", "/dev/shm/" }.FirstOrDefault(AppContext.BaseDirectory.StartsWith) is { } hidden)
        {
            return $"the test binaries are under {hidden} ({AppContext.BaseDirectory}), which the namespace's fresh tmpfs hides; run them from a checkout elsewhere";
        }

        var probe = Run("unshare", "-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs tmpfs /tmp && echo ok");
        return probe.Trim() == "ok" ? null : $"cannot make a private mount namespace here: {probe.Trim()}";
    }

    /// <summary>Makes the namespace and the second user; <paramref name="sharedMemorySize"/> caps its /dev/shm (tmpfs <c>size=</c>, as <c>docker --shm-size</c> does).</summary>
    public static async Task<SharedMachine> StartAsync(string? sharedMemorySize = null)
    {
        var attacker = $"hoist-att-{Guid.NewGuid().ToString("N")[..8]}";
        var added = Run("useradd", "--no-create-home", "--system", "--shell", "/usr/sbin/nologin", "--user-group", attacker);
        var uid = int.Parse(Run("id", "-u", attacker).Trim(), CultureInfo.InvariantCulture);
        var gid = int.Parse(Run("id", "-g", attacker).Trim(), CultureInfo.InvariantCulture);
        _ = added;

        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "-m", "--propagation", "private", "sh", "-c",
            $"mount -t tmpfs -o mode=1777 tmpfs /tmp && mount -t tmpfs -o mode=1777{(sharedMemorySize is null ? "" : $",size={sharedMemorySize}")} tmpfs /dev/shm && echo ready && exec sleep 3600",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var holder = Process.Start(start)!;
        var ready = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (ready != "ready")
        {
            holder.Kill();
            Run("userdel", attacker);
            throw new InvalidOperationException($"The mount namespace did not start: {await holder.StandardError.ReadToEndAsync()}");
        }

        return new SharedMachine(holder, attacker, uid, gid);
    }

    /// <summary>A path inside the namespace, as the test (outside it) reaches it.</summary>
    public string Inside(string path) => $"/proc/{_holder.Id.ToString(CultureInfo.InvariantCulture)}/root{path}";

    /// <summary>Runs a shell command inside the namespace as the attacker.</summary>
    public Task<ChildProcessResult> AsAttackerAsync(string script, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunInsideAsync(["setpriv", $"--reuid={AttackerUid}", $"--regid={AttackerGid}", "--clear-groups", "--", "sh", "-c", script], environment);

    /// <summary>Starts a long-lived process inside the namespace as root: a bystander a planted record may name.</summary>
    public Process StartBystander()
    {
        var start = new ProcessStartInfo("nsenter") { UseShellExecute = false };
        foreach (var argument in new[] { "-t", _holder.Id.ToString(CultureInfo.InvariantCulture), "-m", "--", "sleep", "600" })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>The owner uid and permission bits (octal) of a path inside the namespace, without following a symlink.</summary>
    public (int Owner, string Mode, bool IsSymlink) Describe(string path)
    {
        var line = Run("stat", "-c", "%u %a %F", Inside(path)).Trim();
        var fields = line.Split(' ', 3);
        return (int.Parse(fields[0], CultureInfo.InvariantCulture), fields[1], fields[2] == "symbolic link");
    }

    /// <summary>Copies a folder from the machine into the namespace (owned by root).</summary>
    public void CopyIn(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Inside(Path.Combine(target, Path.GetRelativePath(source, file)));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
    }

    /// <summary>Runs a program inside the namespace as root, the victim, in <paramref name="environment"/> (null values removed).</summary>
    public Task<ChildProcessResult> AsVictimAsync(IEnumerable<string> command, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunInsideAsync(command, environment);

    private Task<ChildProcessResult> RunInsideAsync(IEnumerable<string> command, IReadOnlyDictionary<string, string?>? environment) =>
        ChildProcess.RunAsync("nsenter", ["-t", _holder.Id.ToString(CultureInfo.InvariantCulture), "-m", "--", .. command], "/", CommandTimeout, environment);

    public async ValueTask DisposeAsync()
    {
        // The namespace, its tmpfs and whatever is left in them go with the last process in it.
        foreach (var pid in ProcessesInside())
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
            }
        }

        _holder.Kill();
        await _holder.WaitForExitAsync();
        _holder.Dispose();
        Run("userdel", Attacker);
    }

    /// <summary>Every process in this namespace but its holder (warm workers outlive the run that started them).</summary>
    private IEnumerable<int> ProcessesInside()
    {
        var ours = MountNamespaceOf(_holder.Id);
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != _holder.Id && ours is not null && MountNamespaceOf(pid) == ours)
            {
                yield return pid;
            }
        }
    }

    private static string? MountNamespaceOf(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/mnt").LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return ex.Message;
        }
    }
}

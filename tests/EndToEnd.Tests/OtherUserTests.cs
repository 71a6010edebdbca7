using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Hoist.Protocol;
using Hoist.Testing;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// What another local user can do to a Hoist app that root runs (issue 28, reproductions 2, 3, 4, 6 and 7): the
/// attacker's preparation, root's run of Hoist.TestApp, and the check that nothing was read, written, followed or
/// changed, while the calls still work.
/// </summary>
public sealed class OtherUserTests
{
    public OtherUserTests()
    {
        // The test app's services register when its module initializer runs; here nothing may have run it yet.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(TestApp.Probe).Module.ModuleHandle);
    }

    [SharedMachineFact]
    public async Task AttackersDefaultFolders_AreRefused_NothingIsFollowedWrittenOrLeftToRead()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        await using var machine = await SharedMachine.StartAsync();

        // Root's own file and folder, which the attacker points Hoist's default places at.
        await File.WriteAllTextAsync(machine.Inside("/tmp/victim-file"), "root's own bytes");
        Directory.CreateDirectory(machine.Inside("/tmp/victim-folder"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await File.WriteAllTextAsync(machine.Inside("/tmp/victim-folder/999999-1.shm"), "a file of a dead pid");
        var prepared = await machine.AsAttackerAsync(
            """
            set -e
            ln -s /tmp/victim-folder /tmp/hoist-0
            mkdir -m 777 /dev/shm/hoist-0
            last=$(cat /proc/sys/kernel/ns_last_pid)
            for p in $(seq $last $((last + 300))); do for n in 1 2 3 4; do ln -s /tmp/victim-file /dev/shm/hoist-0/$p-$n.shm; done; done
            mkdir -m 700 /tmp/attacker-runtime
            """);
        Assert.True(prepared.ExitCode == 0, prepared.Combined);
        var planted = Directory.GetFileSystemEntries(machine.Inside("/dev/shm/hoist-0")).Length;

        var run = await machine.AsVictimAsync([.. TestAppCommand(), "--large-echo", "1048576"], new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = null });
        var withRuntime = await machine.AsVictimAsync([.. TestAppCommand(), "--large-echo", "1048576"], new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = "/tmp/attacker-runtime" });

        // Both runs work, through fresh private places, and say why.
        Assert.True(run.ExitCode == 0, run.Combined);
        Assert.Contains("ECHO same", run.Output, StringComparison.Ordinal);
        Assert.Contains("Hoist refuses /tmp/hoist-0: it is a symlink", run.Combined, StringComparison.Ordinal);
        Assert.Contains("Hoist refuses /dev/shm/hoist-0: it belongs to another user", run.Combined, StringComparison.Ordinal);
        Assert.True(withRuntime.ExitCode == 0, withRuntime.Combined);
        Assert.Contains("ECHO same", withRuntime.Output, StringComparison.Ordinal);
        Assert.Contains("/tmp/attacker-runtime above it belongs to another user", withRuntime.Combined, StringComparison.Ordinal);

        // Nothing was written through a symlink, nothing of root's was chmod-ed or deleted, and root left nothing in
        // the attacker's folders to read or swap.
        Assert.Equal("root's own bytes", await File.ReadAllTextAsync(machine.Inside("/tmp/victim-file")));
        Assert.Equal((0, "755", false), machine.Describe("/tmp/victim-folder"));
        Assert.True(File.Exists(machine.Inside("/tmp/victim-folder/999999-1.shm")), "a file in the folder a symlink pointed at was deleted");
        Assert.True(machine.Describe("/tmp/hoist-0").IsSymlink);
        Assert.Equal(planted, Directory.GetFileSystemEntries(machine.Inside("/dev/shm/hoist-0")).Length);
        Assert.Empty(Directory.GetFileSystemEntries(machine.Inside("/tmp/attacker-runtime")));
        foreach (var fallback in Directory.GetDirectories(machine.Inside("/tmp"), "hoist-0-*").Concat(Directory.GetDirectories(machine.Inside("/dev/shm"), "hoist-0-*")))
        {
            Assert.Equal((0, "700", false), machine.Describe(fallback[machine.Inside("").Length..]));
        }
    }

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task CallWithoutTheToken_IsRefusedBeforeItsBodyIsRead(string transport)
    {
        const int MaxRequestBytes = 64 * 1024 * 1024;
        await using var app = await HoistApplication.StartAsync([], o =>
        {
            o.Local.Transport = transport;
            o.MaxRequestBytes = MaxRequestBytes;
        });
        var arrays = TestApp.Arrays.Remote.WithInvoker(app.Client);
        var pid = await arrays.ProcessIdAsync();
        var endpoint = (await app.Client.Backend.GetDeploymentAsync("arrays", CancellationToken.None)).Endpoints[0];
        Assert.Equal(transport == "tcp", endpoint.SocketPath is null);
        var client = new Protocol.Worker.WorkerClient(endpoint.Channel);
        var before = ResidentBytes(pid);

        // Six bodies of 60 MiB at once: read before the token check, they would take the worker up by hundreds of MiB.
        var payload = UnsafeByteOperations.UnsafeWrap(new byte[60 * 1024 * 1024]);
        var refusals = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Assert.ThrowsAsync<RpcException>(() =>
            client.InvokeAsync(new InvokeRequest { Method = "Floats", CallId = (ulong)i, Payload = payload }, new Metadata { { WorkerProtocol.TokenHeader, "not-the-token" } }).ResponseAsync)));
        var after = ResidentBytes(pid);

        Assert.All(refusals, refused => Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode));
        Assert.All(refusals, refused => Assert.Contains("did not carry this deployment's token", refused.Status.Detail, StringComparison.Ordinal));
        Assert.True(after - before < 48L * 1024 * 1024, $"the worker grew by {(after - before) / (1024 * 1024)} MiB on calls it refused");

        // The open RPCs stay open, and a call with the token still works.
        Assert.NotNull(await client.GetLoadAsync(new GetLoadRequest()));
        Assert.Equal(pid, await arrays.ProcessIdAsync());
    }

    [Fact]
    public async Task Worker_StartsWithoutDiagnostics_AndItsChildrenDoNotInheritTheToken()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.Secrets["test-credentials"] = new() { ["token"] = "unused" });
        var configured = TestApp.Configured.Remote.WithInvoker(app.Client);

        Assert.Equal("0", await configured.ReadAsync("DOTNET_EnableDiagnostics"));
        Assert.Null(await configured.ReadAsync("HOIST_TOKEN"));
        Assert.Equal("worker", await configured.ReadAsync("HOIST_ROLE"));
    }

    private static string[] TestAppCommand()
    {
        var command = Backends.Local.WorkerCommand.ForAssemblyPath(typeof(TestApp.Arrays).Assembly.Location);
        return [command.FileName, .. command.Arguments];
    }

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}

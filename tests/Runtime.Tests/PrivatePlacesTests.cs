using System.Diagnostics;
using System.Globalization;
using Hoist.Backends.Local;
using Hoist.CodeSync;
using Hoist.Hosting;
using Hoist.Protocol;
using Hoist.Transport;
using Hoist.Worker;
using Hoist.Configuration;

namespace Hoist.Runtime.Tests;

/// <summary>A test that hands files to another uid (chown): root only, skipped elsewhere saying so.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || UnixFiles.EffectiveUserId != 0)
        {
            Skip = "Needs root on Linux, to give a file to another user as another local user would own it.";
        }
    }
}

/// <summary>
/// Issue 28's private places on one process: the verdict on a place (pure), what Ensure makes and refuses, and the
/// files inside, records, markers and code sync, each against what another local user could have planted.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivatePlacesTests : IDisposable
{
    private const uint User = 1000;
    private const uint Other = 1001;
    private const int OwnerOnly = 0x1C0;
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("hoist-private-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Refusal_AcceptsOnlyTheUsersOwnFolder_At0700()
    {
        var folder = new FileFacts(Exists: true, IsSymlink: false, IsDirectory: true, IsRegularFile: false, Owner: User, Mode: OwnerOnly, Length: 0);

        Assert.Null(PrivateFolder.Refusal("/tmp/hoist-1000", folder, User));
        Assert.Contains("it is a symlink (owner uid 1001, mode 0777)", PrivateFolder.Refusal("/tmp/hoist-1000", folder with { IsSymlink = true, IsDirectory = false, Owner = Other, Mode = 0x1FF }, User), StringComparison.Ordinal);
        Assert.Equal(
            "Hoist refuses /tmp/hoist-1000: it belongs to another user (owner uid 1001, mode 0700), not to uid 1000; have its owner or root remove it, or point Hoist elsewhere.",
            PrivateFolder.Refusal("/tmp/hoist-1000", folder with { Owner = Other }, User));
        Assert.Contains("others may reach into it (owner uid 1000, mode 0755)", PrivateFolder.Refusal("/tmp/hoist-1000", folder with { Mode = 0x1ED }, User), StringComparison.Ordinal);
        Assert.Contains("it is not a folder", PrivateFolder.Refusal("/tmp/hoist-1000", folder with { IsDirectory = false, IsRegularFile = true }, User), StringComparison.Ordinal);
        Assert.Contains("it does not exist", PrivateFolder.Refusal("/tmp/hoist-1000", FileFacts.Missing, User), StringComparison.Ordinal);

        // Root is refused someone else's folder as anyone is: root's chmod would succeed, so nothing relies on it failing.
        Assert.NotNull(PrivateFolder.Refusal("/tmp/hoist-0", folder with { Owner = Other }, 0));
    }

    [Fact]
    public void AncestorRefusal_AcceptsRootsOrTheUsersFolders_WritableByOthersOnlyWhenSticky()
    {
        var tmp = new FileFacts(true, false, true, false, 0, 0x3FF, 0); // /tmp: root, 1777
        var home = new FileFacts(true, false, true, false, User, 0x1ED, 0); // 0755

        Assert.Null(PrivateFolder.AncestorRefusal("/tmp/hoist-1000", "/tmp", tmp, tmp, User));
        Assert.Null(PrivateFolder.AncestorRefusal("/home/u/.cache/hoist", "/home/u", home, home, User));
        Assert.Contains("/tmp/shared above it belongs to another user", PrivateFolder.AncestorRefusal("/tmp/shared/hoist", "/tmp/shared", home with { Owner = Other }, home, User), StringComparison.Ordinal);
        Assert.Contains("others may write to /srv/cache above it", PrivateFolder.AncestorRefusal("/srv/cache/hoist", "/srv/cache", tmp with { Mode = 0x1FF }, tmp, User), StringComparison.Ordinal);
        Assert.Contains("another user's symlink", PrivateFolder.AncestorRefusal("/run/x/hoist", "/run/x", home, home with { IsSymlink = true, Owner = Other }, User), StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_MakesAMissingPlace0700_AndRefusesAnExistingOneItWouldHaveToChmod()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var made = PrivateFolder.Ensure(Path.Combine(_root.FullName, "a", "b"));
        var shared = Path.Combine(_root.FullName, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0x1ED);

        Assert.Equal((UnixFileMode)OwnerOnly, File.GetUnixFileMode(made));
        Assert.Equal((UnixFileMode)OwnerOnly, File.GetUnixFileMode(Path.Combine(_root.FullName, "a")));
        var refused = Assert.Throws<PrivateFolderException>(() => PrivateFolder.Ensure(shared));
        Assert.Contains($"Hoist refuses {shared}: others may reach into it", refused.Message, StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(shared));
    }

    [Fact]
    public void Ensure_NeverFollowsASymlink_NorTouchesWhatItPointsAt()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var victim = Directory.CreateDirectory(Path.Combine(_root.FullName, "victim")).FullName;
        File.SetUnixFileMode(victim, (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(victim, "999999-1.shm"), "kept");
        var link = Path.Combine(_root.FullName, "hoist-link");
        File.CreateSymbolicLink(link, victim);

        Assert.Throws<PrivateFolderException>(() => PrivateFolder.Ensure(link));
        Assert.Equal(0, PrivateFolder.SweepStale(link));
        PrivateFolder.TryDeleteTree(link);

        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(victim));
        Assert.True(File.Exists(Path.Combine(victim, "999999-1.shm")));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    [RootFact]
    public void Settle_FallsBackToAFreshPrivateFolder_WhenTheDefaultIsAnothersUsers_AndKeepsIt()
    {
        var taken = Directory.CreateDirectory(Path.Combine(_root.FullName, "taken")).FullName;
        File.SetUnixFileMode(taken, (UnixFileMode)OwnerOnly);
        Chown(taken, Other);
        var logger = new CollectingLogger();

        var first = PrivateFolder.Settle(taken, Path.Combine(_root.FullName, "fresh-"), logger);
        var second = PrivateFolder.Settle(taken, Path.Combine(_root.FullName, "fresh-"), logger);

        Assert.Equal(first, second);
        Assert.StartsWith(Path.Combine(_root.FullName, "fresh-"), first, StringComparison.Ordinal);
        Assert.True(PrivateFolder.IsPrivate(first));
        var said = Assert.Single(logger.Messages);
        Assert.Contains($"Hoist refuses {taken}: it belongs to another user (owner uid {Other}, mode 0700)", said, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(taken));
    }

    [RootFact]
    public void Nothing_InAnotherUsersFolder_IsDeletedOrSwept()
    {
        var theirs = Directory.CreateDirectory(Path.Combine(_root.FullName, "theirs")).FullName;
        File.SetUnixFileMode(theirs, (UnixFileMode)OwnerOnly);
        File.WriteAllText(Path.Combine(theirs, "999999-1.shm"), "theirs");
        Chown(theirs, Other);

        Assert.Equal(0, PrivateFolder.SweepStale(theirs));
        PrivateFolder.TryDeleteTree(theirs);

        Assert.True(File.Exists(Path.Combine(theirs, "999999-1.shm")));
    }

    [Fact]
    public void Regions_AreMade0600_UnderNamesNoOneCanGuess_AndNeverThroughASymlink()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var folder = PrivateFolder.Ensure(Path.Combine(_root.FullName, "shm"));
        var target = Path.Combine(_root.FullName, "root-owned-file");
        File.WriteAllText(target, "untouched");
        var region = SharedRegions.Create(folder, SharedRegions.NewName("arg"), new byte[4096]);
        var planted = SharedRegions.NewName("arg");
        File.CreateSymbolicLink(Path.Combine(folder, planted), target);

        Assert.Matches($"^{Environment.ProcessId}-[0-9a-f]{{16}}\\.arg$", region.Name);
        Assert.NotEqual(region.Name, SharedRegions.NewName("arg"));
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(Path.Combine(folder, region.Name)));
        Assert.Throws<UnauthorizedAccessException>(() => SharedRegions.Create(folder, planted, new byte[10]));
        Assert.Throws<UnauthorizedAccessException>(() => SharedRegions.WriteExisting(folder, planted, new byte[10]));
        Assert.Throws<UnauthorizedAccessException>(() => SharedRegions.Read(folder, new SharedRegion(region) { Name = planted }, int.MaxValue));
        Assert.Equal("untouched", File.ReadAllText(target));
    }

    [RootFact]
    public void Region_AnotherUserOwns_IsNeitherReadNorWritten()
    {
        var folder = PrivateFolder.Ensure(Path.Combine(_root.FullName, "shm"));
        var region = SharedRegions.Create(folder, SharedRegions.NewName("arg"), new byte[4096]);
        Chown(Path.Combine(folder, region.Name), Other);

        var read = Assert.Throws<UnauthorizedAccessException>(() => SharedRegions.Read(folder, region, int.MaxValue));
        Assert.Contains($"is not a file of this user (owner {Other}", read.Message, StringComparison.Ordinal);
        Assert.Throws<UnauthorizedAccessException>(() => SharedRegions.WriteExisting(folder, region.Name, new byte[10]));
    }

    [RootFact]
    public async Task WarmRecords_OfAnotherUser_OrNamingAProcessThatIsNoWorker_NeverLeadToASignal()
    {
        var root = PrivateFolder.Ensure(Path.Combine(_root.FullName, "warm"));
        var registry = new WarmWorkers(Path.Combine(_root.FullName, "app"), root);
        using var bystander = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        WarmGroupRecord Naming(string group) => new(registry.AppFolder, "svc", group, "token", false, "/nowhere", null,
            [new WarmWorkerRecord(0, "svc", bystander.Id, WarmWorkers.StartedUnixMs(bystander), null, 1)]);

        // Our own record naming our own process that is not a Hoist worker; and the same record, owned by someone else.
        registry.Register(Naming("own")).Dispose();
        registry.Register(Naming("foreign")).Dispose();
        var foreign = Directory.GetFiles(root, "foreign.json", SearchOption.AllDirectories).Single();
        Chown(foreign, Other);

        Assert.Null(WarmWorkers.Find(Naming("own").Workers[0]));
        Assert.Null(registry.TryClaim("svc"));
        Assert.Empty(registry.LiveGroups());
        var stopped = await WarmWorkers.StopAllAsync(root, TimeSpan.FromSeconds(1));

        Assert.DoesNotContain(stopped, r => r.Group == "foreign");
        Assert.False(bystander.HasExited, "a record made this process signal one that is not its worker");
        bystander.Kill();
    }

    [RootFact]
    public async Task TeardownOfAWarmRoot_AnotherUserOwns_ReadsAndDeletesNothing()
    {
        var root = PrivateFolder.Ensure(Path.Combine(_root.FullName, "warm"));
        var registry = new WarmWorkers(Path.Combine(_root.FullName, "app"), root);
        registry.Register(new WarmGroupRecord(registry.AppFolder, "svc", "g", "token", false, "/nowhere", null, [])).Dispose();
        Chown(root, Other);

        Assert.Empty(await WarmWorkers.StopAllAsync(root, TimeSpan.FromSeconds(1)));
        Assert.Single(Directory.GetFiles(root, "g.json", SearchOption.AllDirectories));
    }

    [RootFact]
    public async Task SetupMarker_AnotherUserPlanted_IsIgnored_AndTheStepsRun()
    {
        var cache = PrivateFolder.Ensure(Path.Combine(_root.FullName, "setup"));
        var ran = Path.Combine(_root.FullName, "ran");
        var descriptor = new ServiceDescriptor { Name = "svc", Kind = ServiceKind.Method, DeclaringType = "App.S", AssemblyName = "App", Methods = ["Run"], Setup = [$"touch {ran}"] };
        var marker = LocalSetup.MarkerPath(cache, descriptor.Setup);
        File.WriteAllLines(marker, descriptor.Setup);
        Chown(marker, Other);
        var logger = new CollectingLogger();

        await LocalSetup.RunOnceAsync(descriptor, new Dictionary<string, string>(), [], cache, 10, TimeSpan.FromSeconds(30), logger, CancellationToken.None);

        Assert.True(File.Exists(ran), "a marker another user planted skipped the setup step");
        Assert.Contains(logger.Messages, m => m.Contains($"ignoring {marker}, which this user did not write (owner uid {Other}", StringComparison.Ordinal));
        Assert.Equal(UnixFiles.EffectiveUserId, UnixFiles.LStat(marker).Owner);
    }

    [Fact]
    public void CodeSync_WithAPathListedTwice_IsABadRequest()
    {
        var loader = new CodeLoader(new WorkerEnvironment { ServiceName = "svc", GrpcPort = 0, CallToken = "t" }, null!);
        var code = new ServiceCode(new CodeGeneration(0, _root.FullName, new NoCallsDispatcher(), null, new AppManifest([])), TimeProvider.System);
        var sha = new string('a', 64);

        var refused = Assert.Throws<CodeLoadException>(() => loader.Load(code, [new AppFile("App.dll", sha, 1), new AppFile("App.dll", sha, 1)], new Dictionary<string, ReadOnlyMemory<byte>>()));

        Assert.Equal(CodeRefusal.BadRequest, refused.Refusal);
        Assert.Contains("The path 'App.dll' is listed twice", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CodeSync_ThatWouldWriteMoreThanItSentPlusWhatTheWorkerHas_IsRefused_BeforeWriting()
    {
        var loader = new CodeLoader(new WorkerEnvironment { ServiceName = "svc", GrpcPort = 0, CallToken = "t" }, null!);
        var sha = new string('b', 64);
        var code = new ServiceCode(new CodeGeneration(0, _root.FullName, new NoCallsDispatcher(), null, new AppManifest([new AppFile("big.bin", sha, 1_000_000)])), TimeProvider.System);
        var copies = Enumerable.Range(0, 1000).Select(i => new AppFile($"copy-{i.ToString(CultureInfo.InvariantCulture)}.bin", sha, 1_000_000)).ToArray();

        var refused = Assert.Throws<CodeLoadException>(() => loader.Load(code, copies, new Dictionary<string, ReadOnlyMemory<byte>>()));

        Assert.Equal(CodeRefusal.BadRequest, refused.Refusal);
        Assert.Contains("would write 1000000000 bytes, more than the 0 it sent plus the 1000000 the running code has", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, code.NextNumber() - 1); // refused before a generation was numbered, so nothing was written
    }

    private static void Chown(string path, uint owner)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-h", owner.ToString(CultureInfo.InvariantCulture), path]) { UseShellExecute = false })!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    /// <summary>The messages a component logged, formatted.</summary>
    private sealed class CollectingLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }

    /// <summary>Code that is never called: these tests sync files into it, and nothing is dispatched.</summary>
    private sealed class NoCallsDispatcher : Dispatch.ServiceDispatcher
    {
        public override ValueTask<ReadOnlyMemory<byte>> InvokeAsync(string method, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken) =>
            throw new NotSupportedException("No call is dispatched here: the tests sync code only.");
    }
}

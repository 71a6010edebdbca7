using System.Diagnostics;
using System.Globalization;
using Hoist.TestApp;
using Hoist.Transport;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// The local transport: workers on Unix sockets in a private folder, large payloads through shared memory
/// that no call outlives, and loopback TCP when asked for.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class TransportTests(HoistFixture fixture)
{
    private const int Threshold = 96 * 1024;

    private Arrays.RemoteProxy Arrays => TestApp.Arrays.Remote.WithInvoker(fixture.Client);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task LocalWorkers_ListenOnAUnixSocket_InAFolderOnlyTheOwnerCanEnter()
    {
        var endpoint = await fixture.EndpointOfAsync("probe");

        Assert.NotNull(endpoint.SocketPath);
        Assert.True(File.Exists(endpoint.SocketPath), $"no socket file at {endpoint.SocketPath}");
        var folder = Path.GetDirectoryName(endpoint.SocketPath)!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(endpoint.SharedMemoryFolder!));
        Assert.Equal("ok", await TestApp.Probe.Remote.WithInvoker(fixture.Client).EchoAsync("ok"));
    }

    [Fact]
    public async Task FilesOfDeadCallers_AreSweptAtStart_AndLiveOnesKept()
    {
        var dead = DeadProcessId();
        var socketFolder = PrivateFolder.Ensure(PrivateFolder.SocketFolder());
        var sharedFolder = PrivateFolder.Ensure(PrivateFolder.SharedMemoryFolder());
        var stale = new[] { Path.Combine(socketFolder, $"{dead}-1.sock"), Path.Combine(sharedFolder, $"{dead}-1.arg"), Path.Combine(sharedFolder, $"{dead}-2.res") };
        var live = Path.Combine(sharedFolder, PrivateFolder.OwnedName("live.arg"));
        try
        {
            foreach (var path in stale.Append(live))
            {
                await File.WriteAllTextAsync(path, "left behind");
            }

            await using var app = await HoistApplication.StartAsync([]);
            Assert.Equal(3, await TestApp.Arithmetic.Remote.WithInvoker(app.Client).AddAsync(1, 2));

            Assert.All(stale, path => Assert.False(File.Exists(path), $"{path} of dead process {dead} was not swept"));
            Assert.True(File.Exists(live), "a live process's file was swept");
        }
        finally
        {
            foreach (var path in stale.Append(live))
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task EveryPrimitiveArrayType_RoundTripsExactly_AroundTheSharedMemoryThreshold()
    {
        Assert.Equal(Threshold, (await fixture.EndpointOfAsync("arrays")).SharedMemoryThreshold);
        var random = new Random(14);
        await RoundTripsAsync(Arrays.BytesAsync, 1, i => (byte)random.Next());
        await RoundTripsAsync(Arrays.SBytesAsync, 1, i => (sbyte)random.Next());
        await RoundTripsAsync(Arrays.ShortsAsync, 2, i => (short)random.Next());
        await RoundTripsAsync(Arrays.UShortsAsync, 2, i => (ushort)random.Next());
        await RoundTripsAsync(Arrays.IntsAsync, 4, i => random.Next(int.MinValue, int.MaxValue));
        await RoundTripsAsync(Arrays.UIntsAsync, 4, i => (uint)random.NextInt64());
        await RoundTripsAsync(Arrays.LongsAsync, 8, i => random.NextInt64(long.MinValue, long.MaxValue));
        await RoundTripsAsync(Arrays.ULongsAsync, 8, i => (ulong)random.NextInt64(long.MinValue, long.MaxValue));
        await RoundTripsAsync(Arrays.FloatsAsync, 4, i => i % 7 == 0 ? float.NaN : (float)(random.NextDouble() * 1e6));
        await RoundTripsAsync(Arrays.DoublesAsync, 8, i => i % 11 == 0 ? double.NegativeInfinity : random.NextDouble());
        await RoundTripsAsync(Arrays.HalvesAsync, 2, i => (Half)random.NextSingle());
        await RoundTripsAsync(Arrays.CharsAsync, 2, i => (char)random.Next(char.MaxValue + 1));
        await RoundTripsAsync(Arrays.BoolsAsync, 1, i => random.Next(2) == 1);
        await RoundTripsAsync(Arrays.DecimalsAsync, 16, i => new decimal(random.Next(), random.Next(), random.Next(), random.Next(2) == 1, (byte)random.Next(29)));

        // A large result from small arguments comes back through shared memory too.
        var ramp = await Arrays.RampAsync(100_000);
        Assert.Equal(Enumerable.Range(0, 100_000).Select(i => i * 0.5), ramp);
        await NothingLeftButKeptFilesForAMomentAsync();
    }

    [Fact]
    public async Task ArraysOverTheInlineLimit_TravelThroughSharedMemory_WithoutAnOverride()
    {
        // Twice the fixture's Hoist:MaxRequestBytes each way: shared memory is bounded by /dev/shm, not by the message limit.
        var large = Enumerable.Range(0, 2 * HoistFixture.MaxRequestBytes / sizeof(float)).Select(i => i * 0.25f).ToArray();

        Assert.Equal(large, await Arrays.FloatsAsync(large));
        await NothingLeftButKeptFilesForAMomentAsync();
    }

    [Fact]
    public async Task ReadOnlyMemoryArguments_AreAViewOfTheRegion_ValidForTheCallOnly()
    {
        var large = Enumerable.Range(0, 1 << 18).Select(i => (float)i).ToArray();
        float[] small = [1, 2, 3];

        Assert.Equal("view", await Arrays.MemoryKindAsync(large));
        Assert.Equal("array", await Arrays.MemoryKindAsync(small));
        Assert.Equal(large, (await Arrays.FloatMemoryAsync(large)).ToArray());
        Assert.Equal(small, (await Arrays.FloatMemoryAsync(small)).ToArray());
        Assert.Equal(large.AsMemory(1000, 5000).ToArray(), (await Arrays.FloatMemoryAsync(large.AsMemory(1000, 5000))).ToArray());
        Assert.True((await Arrays.FloatMemoryAsync(ReadOnlyMemory<float>.Empty)).IsEmpty);

        var doubles = Enumerable.Range(0, 1 << 17).Select(i => i * 0.5).ToArray();
        Assert.Equal(doubles.Reverse(), (await Arrays.ReversedAsync(doubles)).ToArray());
        Assert.Equal(0.5, doubles[1]);

        // Kept past its call, the view reads nothing: its region is unmapped once the answer is written.
        Assert.Equal(1 << 18, await Arrays.KeepAsync(large));
        Assert.Equal(nameof(ObjectDisposedException), await Arrays.ReadKeptAsync());
        await NothingLeftButKeptFilesForAMomentAsync();
    }

    [Fact]
    public async Task NoRegionOutlivesItsCall_CompletedCancelledOrTimedOut()
    {
        var large = new float[1 << 18];
        large[^1] = 14;

        Assert.Equal(14, (await Arrays.FloatsAsync(large))[^1]);
        await NothingLeftButKeptFilesForAMomentAsync();

        await WithMarkerAsync(async marker =>
        {
            using var cancellation = new CancellationTokenSource();
            var call = Arrays.HoldAsync(large, marker, cancellation.Token);
            await Eventually.Async(() => File.Exists(marker), "the worker to hold the call");
            Assert.NotEmpty(RegionsOfThisProcess());

            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            Assert.Empty(RegionsOfThisProcess());
        });

        await WithMarkerAsync(async marker =>
        {
            await Assert.ThrowsAsync<HoistTimeoutException>(() => Arrays.WithTimeout(TimeSpan.FromMilliseconds(500)).HoldAsync(large, marker));
            Assert.True(File.Exists(marker), "the call timed out before the worker held it");
            Assert.Empty(RegionsOfThisProcess());
        });
    }

    [Fact]
    public async Task NoRegionOutlivesAKilledWorker()
    {
        RegionPool.Trim(TimeSpan.Zero);
        await WithMarkerAsync(async marker =>
        {
            var pid = await Arrays.ProcessIdAsync();
            var call = Arrays.HoldAsync(new float[1 << 18], marker);
            await Eventually.Async(() => File.Exists(marker), "the worker to hold the call");
            var socket = (await fixture.EndpointOfAsync("arrays")).SocketPath!;

            Process.GetProcessById(pid).Kill();

            await Assert.ThrowsAsync<WorkerLostException>(() => call);
            Assert.Empty(RegionsOfThisProcess());
            await Eventually.Async(() => !File.Exists(socket), "the killed worker's socket file to be removed");
        });
    }

    [Fact]
    public async Task NoRegionOutlivesAKilledCaller()
    {
        await WithMarkerAsync(async marker =>
        {
            var command = Backends.Local.WorkerCommand.ForAssemblyPath(typeof(TestApp.Arrays).Assembly.Location);
            var start = new ProcessStartInfo(command.FileName) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in command.Arguments.Append("--hold-large-call").Append(marker))
            {
                start.ArgumentList.Add(argument);
            }

            using var caller = Process.Start(start)!;
            string[] held;
            try
            {
                await Eventually.Async(() => File.Exists(marker), "the caller's worker to hold the call", TimeSpan.FromSeconds(30));
                // The held call's argument and result files, and two more the answered calls before it left kept.
                held = RegionsOf(caller.Id);
                Assert.Equal(4, held.Length);
            }
            finally
            {
                caller.Kill(); // SIGKILL: no chance to clean up.
                await caller.WaitForExitAsync();
            }

            // The next caller to start on this machine sweeps what the dead one left.
            await using var app = await HoistApplication.StartAsync([]);
            Assert.Equal(3, await TestApp.Arithmetic.Remote.WithInvoker(app.Client).AddAsync(1, 2));
            Assert.All(held, path => Assert.False(File.Exists(path), $"{path} outlived its killed caller"));
        });
    }

    [Fact]
    public async Task TcpTransport_StillServes_WithPayloadsInline()
    {
        await using var app = await HoistApplication.StartAsync([], o => o.Local.Transport = "tcp");
        var deployment = await ((Backends.Local.LocalBackend)app.Client.Backend).GetDeploymentAsync("arrays", CancellationToken.None);
        var endpoint = deployment.Endpoints[0];

        Assert.Null(endpoint.SocketPath);
        Assert.Null(endpoint.SharedMemoryFolder);
        Assert.Equal("127.0.0.1", endpoint.Address.Host);
        var large = Enumerable.Range(0, 1 << 18).Select(i => (float)i).ToArray();
        Assert.Equal(large, await TestApp.Arrays.Remote.WithInvoker(app.Client).FloatsAsync(large));
    }

    /// <summary>Element counts whose payload is just below, at and just above the threshold, and a few well clear of it.</summary>
    private static async Task RoundTripsAsync<T>(Func<T[], CancellationToken, Task<T[]>> echo, int size, Func<int, T> element)
    {
        var edge = (Threshold - 3) / size; // a 3-byte count precedes the elements
        foreach (var count in new[] { 0, 1, 1000, edge - 1, edge, edge + 1, edge + 2, 4 * edge })
        {
            var values = Enumerable.Range(0, count).Select(element).ToArray();
            var echoed = await echo(values, CancellationToken.None);
            Assert.True(values.AsSpan().SequenceEqual(echoed), $"{typeof(T).Name}[{count}] came back different");
        }
    }

    /// <summary>
    /// After answered calls, only the files kept for the next call remain, and not for long; files of calls
    /// that were not answered are never kept, so the checks after those find none at all.
    /// </summary>
    private static async Task NothingLeftButKeptFilesForAMomentAsync()
    {
        Assert.Equal(RegionPool.Count, RegionsOfThisProcess().Length);
        await Eventually.Async(() => RegionsOfThisProcess().Length == 0, "the kept region files to be removed when idle", RegionPool.IdleTime * 4);
    }

    private static string[] RegionsOfThisProcess() => RegionsOf(Environment.ProcessId);

    private static string[] RegionsOf(int pid) =>
        Directory.GetFiles(PrivateFolder.SharedMemoryFolder(), $"{pid.ToString(CultureInfo.InvariantCulture)}-*");

    private static async Task WithMarkerAsync(Func<string, Task> test)
    {
        var marker = Path.Combine(Path.GetTempPath(), $"hoist-hold-{Guid.NewGuid():N}");
        try
        {
            await test(marker);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}

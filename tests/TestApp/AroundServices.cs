namespace Hoist.TestApp;

/// <summary>
/// Two replicas that share the volume "scratch" and a setup step that records each time it runs in that volume, for
/// the tests of [Setup] and [Volume] on the local backend. The second step prints the secret, which the caller's log
/// must show masked.
/// </summary>
[Compute(Name = "prepared", LaunchTimeout = 60)]
[Autoscale(InitialScale = 2, MinScale = 2, MaxScale = 2)]
[Secret("setup-credentials", "token", "SETUP_TOKEN")]
[Volume("scratch", "/scratch", Size = "1Gi")]
[Setup("echo ran >> \"$HOIST_VOLUME_SCRATCH/setup-runs\"")]
[Setup("echo \"setup sees token=$SETUP_TOKEN\"")]
public static partial class Prepared
{
    /// <summary>This worker's process id, the volume's folder, and what the other replicas left in it.</summary>
    public static SharedView Visit()
    {
        var folder = HoistVolumes.PathOf("scratch");
        File.WriteAllText(Path.Combine(folder, $"visited-by-{Environment.ProcessId}"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new SharedView(
            Environment.ProcessId,
            folder,
            Directory.GetFiles(folder, "visited-by-*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray(),
            File.ReadAllLines(Path.Combine(folder, "setup-runs")).Length);
    }
}

/// <summary>What one replica sees of the shared volume.</summary>
public sealed record SharedView(int ProcessId, string Folder, string[] Visitors, int SetupRuns);

/// <summary>A setup whose second step fails with a message on stderr.</summary>
[Compute(Name = "unprepared", LaunchTimeout = 60)]
[Setup("echo preparing")]
[Setup("echo 'no such package: hoist-does-not-exist' >&2; exit 3")]
public static partial class Unprepared
{
    public static int Ping() => 1;
}

/// <summary>A launch slowed by its setup, well within its launch timeout: what a call's deadline must cover.</summary>
[Compute(Name = "slow-launch", LaunchTimeout = 60)]
[Setup("sleep 3")]
public static partial class SlowLaunch
{
    public static int Ping() => 1;
}

/// <summary>A setup that outlasts the launch timeout, which it counts within.</summary>
[Compute(Name = "slow-setup", LaunchTimeout = 2)]
[Setup("sleep 30")]
public static partial class SlowSetup
{
    public static int Ping() => 1;
}

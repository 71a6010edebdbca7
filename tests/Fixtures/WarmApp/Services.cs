using Hoist;

namespace WarmApp;

/// <summary>The method body a developer edits between two runs.</summary>
internal static class Build
{
#if VARIANT_V2
    public const string Variant = "v2";
#elif VARIANT_BROKEN
    public const string Variant = "broken";
#elif VARIANT_RENAMED
    public const string Variant = "renamed";
#else
    public const string Variant = "v1";
#endif
}

/// <summary>What a worker answers: the code it runs, and which process it is.</summary>
public sealed record Answer(string Variant, int ProcessId, int Rank);

/// <summary>A static-method service.</summary>
public static partial class Answers
{
    [Compute(Name = "answers", LaunchTimeout = 60)]
    public static Answer Which() => new(Build.Variant, Environment.ProcessId, 0);
}

/// <summary>A class service with state: a sync rebuilds its instance from the new code, so the count starts again.</summary>
[Compute(Name = "counter", LaunchTimeout = 60)]
public partial class Counter
{
    private int _calls;

    public Counter()
    {
#if VARIANT_BROKEN
        throw new InvalidOperationException("this build of Counter cannot start: its constructor throws");
#endif
    }

    public string Next() => $"{Build.Variant}:{++_calls}:{Environment.ProcessId}";
}

/// <summary>A frozen service: a changed build gets fresh workers, never a sync.</summary>
[Compute(Name = "frozen", LaunchTimeout = 60, Freeze = true)]
public partial class Frozen
{
    public Answer Which() => new(Build.Variant, Environment.ProcessId, 0);
}

/// <summary>A distributed group: every rank reloads together.</summary>
[Compute(Name = "group", LaunchTimeout = 60)]
[Distribute("spmd", Workers = 2)]
public partial class Group
{
    public Answer Which() => new(Build.Variant, Environment.ProcessId, int.Parse(Environment.GetEnvironmentVariable("RANK") ?? "-1", System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>A service whose warm workers expire quickly.</summary>
[Compute(Name = "short-lived", LaunchTimeout = 60, InactivityTtl = "3s")]
public partial class ShortLived
{
    public Answer Which() => new(Build.Variant, Environment.ProcessId, 0);
}

/// <summary>What a worker of <see cref="See"/> was launched with, as it sees it.</summary>
public sealed record Seen(string Token, string Greeting, string OtlpEndpoint, string Setup, int ProcessId);

/// <summary>
/// A service that answers with what it was launched with: a secret, an [Env] variable, the caller's OTLP endpoint and
/// what its setup step wrote, read once when the worker starts, as a model's weights are. A warm worker serving a run
/// launched with other values would answer with stale ones.
/// </summary>
[Compute(Name = "see", LaunchTimeout = 60)]
[Secret("demo", "TOKEN", "DEMO_TOKEN")]
[Env("GREETING", "hello")]
[Volume("state", "/state")]
[Setup("echo one > \"$HOIST_VOLUME_STATE/setup.txt\"")]
public partial class See
{
    private readonly string _setup = File.ReadAllText(Path.Combine(HoistVolumes.PathOf("state"), "setup.txt")).Trim();

    public Seen Which() => new(
        Environment.GetEnvironmentVariable("DEMO_TOKEN") ?? "-",
        Environment.GetEnvironmentVariable("GREETING") ?? "-",
        Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") ?? "-",
        _setup,
        Environment.ProcessId);
}

/// <summary>The arguments of <see cref="Calc.Add"/>: the renamed build calls its first member A, which changes the wire contract.</summary>
#if VARIANT_RENAMED
public sealed record Pair(int A, int Right);
#else
public sealed record Pair(int Left, int Right);
#endif

/// <summary>A method whose argument's shape a build changes (renamed) or whose body alone it changes (v2).</summary>
public static partial class Calc
{
    [Compute(Name = "add", LaunchTimeout = 60)]
#if VARIANT_RENAMED
    public static int Add(Pair p) => p.A + p.Right;
#elif VARIANT_V2
    public static int Add(Pair p) => (p.Left + p.Right) * 10;
#else
    public static int Add(Pair p) => p.Left + p.Right;
#endif
}

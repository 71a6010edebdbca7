using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Hoist.Hosting;
using Hoist.Configuration;

namespace Hoist.Backends.Local;

/// <summary>
/// What a warm group was launched with, as its record keeps it: one keyed hash per setting, by the setting's name
/// (<c>secret demo</c>, <c>environment OTEL_EXPORTER_OTLP_ENDPOINT</c>), so a later run can say which setting changed
/// without the record ever holding a value. The key (<see cref="Salt"/>) is random per record, so a hash is no use
/// for guessing a short secret, nor for matching one record's values against another's.
/// </summary>
internal sealed record LaunchFingerprint(string Salt, IReadOnlyDictionary<string, string> Parts);

/// <summary>
/// Everything a local worker receives at launch rather than per call, by name, in clear, held in memory only: the
/// values of its [Secret]s, [Env] variables (overrides included), [Volume] folders and [Setup] steps, the caller's
/// <c>OTEL_*</c> settings it inherits, which GPUs it sees, the Hoist settings it is started with, the call token and
/// the runtime it runs on. Two launches with equal settings may share warm workers; anything else gets fresh ones.
/// Pure: the caller's environment and the machine's GPU count come in as values.
/// </summary>
internal sealed class LaunchSettings
{
    /// <summary>The part that stands for a record written before Hoist kept fingerprints.</summary>
    public const string Unrecorded = "launch settings (not recorded by the Hoist that started them)";

    /// <summary>The Hoist and .NET versions a worker runs on; only a fresh process takes new ones.</summary>
    public const string Runtime = "runtime";

    /// <summary>A token set in configuration is one value; without one, each run makes its own and adopts a warm group's.</summary>
    private const string GeneratedToken = "(one per run)";

    private const string OtelPrefix = "OTEL_";

    private readonly SortedDictionary<string, string> _values;
    private readonly SortedSet<string> _unknown;

    private LaunchSettings(SortedDictionary<string, string> values, SortedSet<string> unknown)
    {
        _values = values;
        _unknown = unknown;
    }

    /// <summary>The parts' names: what a change can be reported as.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>
    /// The parts this process cannot resolve as the app's launch would (a secret only the app's configuration holds, or,
    /// for <c>hoist sync</c>, the runtime the app runs on): never reported as changed, the app's next run checks them.
    /// </summary>
    public IReadOnlyCollection<string> Unknown => _unknown;

    /// <summary>
    /// The launch this process would make now for <paramref name="descriptor"/> (its overrides applied).
    /// <paramref name="inherited"/> is the environment a worker would inherit; <paramref name="runtime"/> is null
    /// where this process does not run on the app's runtime.
    /// </summary>
    public static LaunchSettings For(
        ServiceDescriptor descriptor,
        HoistOptions options,
        IReadOnlyDictionary<string, string> inherited,
        Func<int> gpusOnMachine,
        string? runtime)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(options);
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var unknown = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var (secret, value) in LocalWorkerVariables.SecretParts(descriptor, options.Secrets))
        {
            var name = $"secret {secret}";
            if (value is null)
            {
                unknown.Add(name);
            }
            else
            {
                values[name] = value;
            }
        }

        foreach (var variable in descriptor.Environment)
        {
            values[$"environment {variable.Name}"] = variable.Value;
        }

        foreach (var (name, value) in inherited.Where(v => v.Key.StartsWith(OtelPrefix, StringComparison.Ordinal)))
        {
            values[$"environment {name}"] = value;
        }

        var folders = LocalVolumes.Variables(descriptor, options.Local.VolumesFolder ?? LocalVolumes.DefaultRoot());
        foreach (var volume in descriptor.Volumes)
        {
            values[$"volume {volume.Name}"] = folders[Settings.WorkerVolumes.VariableOf(volume.Name)];
        }

        if (descriptor.Setup.Count > 0)
        {
            values["setup steps"] = string.Join('\0', descriptor.Setup);
        }

        // Which GPUs a worker sees: the caller's own restriction, and for a service that asks for GPUs, this machine's
        // and its share of them (a rank's CUDA_VISIBLE_DEVICES follows from the two). nvidia-smi is asked only then.
        values["GPU visibility"] = string.Join('\0',
            inherited.GetValueOrDefault("CUDA_VISIBLE_DEVICES") ?? "-",
            descriptor.Compute.Gpus > 0 ? gpusOnMachine().ToString(CultureInfo.InvariantCulture) : "-",
            descriptor.Compute.Gpus.ToString(CultureInfo.InvariantCulture));

        var service = $"{HoistOptions.SectionName}:{nameof(HoistOptions.Services)}:{descriptor.Name}";
        values[$"setting {service}:{nameof(ComputeSpec.InactivityTtl)}"] = descriptor.Compute.InactivityTtl ?? "-";
        values[$"setting {service}:{nameof(ComputeSpec.Freeze)}"] = descriptor.Compute.Freeze ? "true" : "false";
        values[$"setting {service}:{nameof(AutoscaleSpec.ContainerConcurrency)}"] = (descriptor.Autoscale?.ContainerConcurrency ?? 0).ToString(CultureInfo.InvariantCulture);
        values[$"setting {service}:{nameof(DistributionSpec.Workers)}"] = descriptor.Distribution is { } distribution
            ? $"{distribution.Type} {distribution.Workers.ToString(CultureInfo.InvariantCulture)}"
            : "-";

        var local = $"{HoistOptions.SectionName}:{nameof(HoistOptions.Local)}";
        values[$"setting {local}:{nameof(LocalBackendOptions.Transport)}"] = options.Local.Transport.ToLowerInvariant();
        values[$"setting {local}:{nameof(LocalBackendOptions.SharedMemoryThreshold)}"] = options.Local.SharedMemoryThreshold > 0 ? "on" : "off";
        foreach (var (name, value) in LocalBackend.WorkerSettings(options, inherited.GetValueOrDefault))
        {
            values[$"setting {name}"] = value;
        }

        // Runtime tuning the caller sets itself reaches the worker by inheritance instead.
        if (inherited.GetValueOrDefault(WorkerRuntimeTuning.LohThresholdVariable) is { } lohThreshold)
        {
            values[$"setting {WorkerRuntimeTuning.LohThresholdVariable}"] = lohThreshold;
        }

        values[$"setting {HoistOptions.SectionName}:{nameof(HoistOptions.Token)}"] = options.Token is { Length: > 0 } token ? token : GeneratedToken;

        if (runtime is null)
        {
            unknown.Add(Runtime);
        }
        else
        {
            values[Runtime] = runtime;
        }

        return new LaunchSettings(values, unknown);
    }

    /// <summary>This process's Hoist and .NET versions: what a worker it starts runs on.</summary>
    public static string CurrentRuntime() =>
        $"Hoist {typeof(LaunchSettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}; .NET {Environment.Version}";

    /// <summary>This process's environment, as a worker it starts inherits it.</summary>
    public static IReadOnlyDictionary<string, string> CurrentEnvironment()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry is { Key: string name, Value: string value })
            {
                variables[name] = value;
            }
        }

        return variables;
    }

    /// <summary>The fingerprint to record for a launch made now, under a fresh key.</summary>
    public LaunchFingerprint Fingerprint() => Fingerprint(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    /// <summary>The fingerprint under <paramref name="salt"/>: a record's own key, to compare with what it holds.</summary>
    public LaunchFingerprint Fingerprint(string salt)
    {
        var key = Convert.FromHexString(salt);
        var parts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in _values)
        {
            // The name is hashed with the value, so no two parts ever share a hash by chance of equal values.
            parts[name] = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{name}\n{value}")).AsSpan(0, 16));
        }

        return new LaunchFingerprint(salt, parts);
    }

    /// <summary>
    /// The settings that differ between the launch <paramref name="recorded"/> describes and this one, by name, in
    /// order: a value changed, set or unset. Empty when the warm group may serve this launch. A record with no
    /// fingerprint, or one this process cannot read, differs as <see cref="Unrecorded"/>.
    /// </summary>
    public IReadOnlyList<string> ChangedSince(LaunchFingerprint? recorded)
    {
        if (recorded is not { Salt: { Length: > 0 } salt, Parts: not null } || !IsHex(salt))
        {
            return [Unrecorded];
        }

        var now = Fingerprint(salt).Parts;
        return now.Keys.Union(recorded.Parts.Keys, StringComparer.Ordinal)
            .Where(name => !_unknown.Contains(name))
            .Where(name => now.GetValueOrDefault(name) != recorded.Parts.GetValueOrDefault(name))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Changes as one phrase for a log line: "secret demo", "secret demo and setup steps", "a, b and c".</summary>
    public static string Describe(IReadOnlyList<string> changes) => changes.Count switch
    {
        0 => "nothing",
        1 => changes[0],
        _ => $"{string.Join(", ", changes.Take(changes.Count - 1))} and {changes[^1]}",
    };

    private static bool IsHex(string text) => text.Length % 2 == 0 && text.All(char.IsAsciiHexDigit);
}

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hoist.Settings;
using Hoist.Configuration;

namespace Hoist;

/// <summary>
/// The settings rules (<see cref="ServiceSettingsRules"/>, shared with the generator) applied to a descriptor,
/// which is how the runtime, the manifest tool and the CLI see a service: its attributes with overrides applied.
/// </summary>
internal static class ServiceSettings
{
    public static ServiceSettingValues ValuesOf(ServiceDescriptor descriptor, TimeSpan? callTimeout = null)
    {
        var values = new ServiceSettingValues
        {
            Name = descriptor.Name,
            CallTimeout = callTimeout,
            IsDistributed = descriptor.Distribution is not null,
            DistributionType = descriptor.Distribution?.Type,
            IsAutoscaled = descriptor.Autoscale is not null,
            Environment = descriptor.Environment.Select(e => new EnvironmentSetting(e.Name, e.Value)).ToArray(),
            Secrets = descriptor.Secrets.Select(s => new SecretSetting(s.Name, s.Key, s.Variable)).ToArray(),
            Setup = descriptor.Setup.ToArray(),
            Volumes = descriptor.Volumes.Select(v => new VolumeSetting(v.Name, v.Path, v.Size, v.StorageClass)).ToArray(),
        };

        // Every catalogue setting from the descriptor's JSON, the one form the generator writes and the runtime reads,
        // so a new row needs no line here.
        var json = ServiceDescriptorJson.ToNode(descriptor);
        foreach (var row in SettingsCatalogue.Rows)
        {
            if (json[row.ScopeField] is JsonObject scope && scope.TryGetPropertyValue(row.Field, out var value))
            {
                values[row] = Read(row, value);
            }
        }

        return values;
    }

    /// <summary>A setting's JSON value as the rules read it: an int, a double, a bool, a string or null, by the row's kind.</summary>
    public static object? Read(SettingRow row, JsonNode? value)
    {
        if (value is null)
        {
            return null;
        }

        return row.Kind switch
        {
            SettingKind.Double when value.GetValueKind() == JsonValueKind.String =>
                double.Parse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture),
            SettingKind.Double => value.GetValue<double>(),
            SettingKind.Bool => value.GetValue<bool>(),
            SettingKind.Text => value.GetValue<string>(),
            _ => value.GetValue<int>(),
        };
    }

    public static IReadOnlyList<SettingProblem> Validate(ServiceDescriptor descriptor, TimeSpan? callTimeout = null) =>
        ServiceSettingsRules.Validate(ValuesOf(descriptor, callTimeout));

    /// <summary>The settings that are allowed but do nothing (the generator's warnings), judged on the effective descriptor.</summary>
    public static IReadOnlyList<SettingProblem> Warnings(ServiceDescriptor descriptor) =>
        ServiceSettingsRules.Warnings(ValuesOf(descriptor));

    /// <summary>
    /// One problem as an override's error: the configuration key, the value, what is wrong and what is allowed, and
    /// the diagnostic ID the generator gives the same value: <c>Hoist:Services:embed:Window = "abc" is not allowed:
    /// use ... (HOIST009)</c>.
    /// </summary>
    public static string Describe(string service, SettingProblem problem) =>
        $"{Key(service, problem.ConfigurationKey ?? problem.Setting)}{(problem.Value is null ? "" : " = " + problem.Value)} {problem.Problem}: {problem.Allowed} ({problem.Id})";

    /// <summary>The configuration key of a setting: <c>Hoist:Services:embed:Window</c>.</summary>
    public static string Key(string service, string setting) => $"{HoistOptions.SectionName}:{nameof(HoistOptions.Services)}:{service}:{setting}";

    /// <summary>The effective descriptor, or a <see cref="ServiceSettingsException"/> naming every key that breaks a rule.</summary>
    public static ServiceDescriptor Apply(ServiceDescriptor declared, ServiceOverrides? overrides)
    {
        if (overrides is null)
        {
            return declared;
        }

        // Asked on every call (ServiceCatalog), and a reload binds new overrides objects, so one result per pair is kept.
        if (s_applied.TryGetValue(overrides, out var applied) && ReferenceEquals(applied.Declared, declared))
        {
            return applied.Effective;
        }

        var problems = overrides.Problems(declared);
        var effective = problems.Count == 0 ? overrides.ApplyTo(declared) : throw new ServiceSettingsException(declared.Name, problems);
        s_applied.AddOrUpdate(overrides, new Applied(declared, effective));
        return effective;
    }

    private static readonly ConditionalWeakTable<ServiceOverrides, Applied> s_applied = [];

    private sealed record Applied(ServiceDescriptor Declared, ServiceDescriptor Effective);
}

/// <summary>
/// A service's configured settings break the settings rules: each problem names the key (<c>Hoist:Services:&lt;name&gt;:&lt;setting&gt;</c>),
/// the value, what is wrong and what is allowed. The call, launch or render that needed them did not happen.
/// </summary>
public sealed class ServiceSettingsException : HoistException
{
    internal ServiceSettingsException(string service, IReadOnlyList<SettingProblem> problems)
        : base(service, null, $"Service '{service}' has settings that are not allowed: {string.Join(" ", problems.Select(p => ServiceSettings.Describe(service, p) + "."))}")
    {
        Problems = problems.Select(p => ServiceSettings.Describe(service, p)).ToArray();
    }

    /// <summary>Each problem as one sentence that names its key.</summary>
    public IReadOnlyList<string> Problems { get; }
}

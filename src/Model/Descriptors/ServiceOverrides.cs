using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Hoist.Settings;

namespace Hoist;

/// <summary>
/// Deploy-time overrides for one service: <c>Hoist__Services__embed__MaxScale=20</c>. Unset values keep what the
/// attributes say. The result meets the same rules as the attributes (<see cref="ServiceSettingsRules"/>): a value
/// the generator would refuse is refused here too, naming the service and the key.
/// </summary>
public sealed class ServiceOverrides
{
    /// <summary>A default deadline for every call to the service.</summary>
    public TimeSpan? CallTimeout { get; set; }

    public int? LaunchTimeout { get; set; }
    public string? Image { get; set; }
    public string? Namespace { get; set; }
    public int? Gpus { get; set; }
    public double? Cpus { get; set; }
    public string? Memory { get; set; }
    public string? Disk { get; set; }
    public string? InactivityTtl { get; set; }
    public string? GpuType { get; set; }
    public string? SharedMemory { get; set; }
    public string? NodeSelector { get; set; }
    public string? Tolerations { get; set; }
    public string? ServiceAccount { get; set; }
    public string? ImagePullSecrets { get; set; }
    public string? PriorityClass { get; set; }
    public string? Labels { get; set; }
    public string? Annotations { get; set; }
    public string? Queue { get; set; }
    public bool? SpreadAcrossNodes { get; set; }

    /// <summary>Production mode: no hot code sync. The seed sets it from an environment variable.</summary>
    public bool? Freeze { get; set; }

    public int? Workers { get; set; }
    public double? Target { get; set; }
    public string? Window { get; set; }
    public string? Metric { get; set; }
    public int? TargetUtilization { get; set; }
    public int? MinScale { get; set; }
    public int? MaxScale { get; set; }
    public int? InitialScale { get; set; }
    public int? ScaleToZeroGracePeriod { get; set; }
    public int? ContainerConcurrency { get; set; }
    public string? ScaleDownDelay { get; set; }

    /// <summary>
    /// [Env] variables to add or replace, by name: <c>Hoist__Services__embed__Env__HF_HOME=/data</c>. They meet the
    /// same rules as the attribute's (no HOIST_* or distributed variables). Secrets are not set here.
    /// </summary>
    public Dictionary<string, string>? Env { get; set; }

    /// <summary>
    /// The [Setup] steps, replacing the attributes' list as a whole (an order of steps only makes sense as one list):
    /// <c>Hoist__Services__embed__Setup__0="pip install vllm==0.6.0"</c>.
    /// </summary>
    public List<string>? Setup { get; set; }

    /// <summary>
    /// [Volume]s to change or add, by name: <c>Hoist__Services__embed__Volumes__models__Size=200Gi</c>. A new one needs a Path.
    /// </summary>
    public Dictionary<string, VolumeOverride>? Volumes { get; set; }

    /// <summary>The descriptor with these overrides applied. Pure: the same inputs give the same result.</summary>
    public ServiceDescriptor ApplyTo(ServiceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);

        // Every catalogue setting the same way: its override (camelCase, as the descriptor's field) replaces the field in
        // the descriptor's JSON, for an attribute the service has. A new row needs no line here, only its property above.
        var json = ServiceDescriptorJson.ToNode(descriptor);
        var set = SettingValues();
        foreach (var row in SettingsCatalogue.Rows)
        {
            if (set[row.Field] is { } value && json[row.ScopeField] is JsonObject scope)
            {
                scope[row.Field] = value.DeepClone();
            }
        }

        return ServiceDescriptorJson.FromNode(json) with
        {
            Environment = WithEnv(descriptor.Environment),
            Setup = Setup is { } setup ? setup.ToArray() : descriptor.Setup,
            Volumes = WithVolumes(descriptor.Volumes),
            CallTimeout = CallTimeout ?? descriptor.CallTimeout,
        };
    }

    // These overrides as JSON: a property per setting, named as the descriptor's field, null when not overridden.
    private JsonObject SettingValues() => JsonSerializer.SerializeToNode(this, ServiceOverridesJsonContext.Default.ServiceOverrides)!.AsObject();

    /// <summary>
    /// What is wrong with these overrides: for a service this process knows, its effective settings against every
    /// rule; for one it does not know (yet: its assembly may load later), each value on its own.
    /// </summary>
    internal IReadOnlyList<SettingProblem> Problems(ServiceDescriptor? declared)
    {
        if (declared is not null)
        {
            return ServiceSettings.Validate(ApplyTo(declared), CallTimeout);
        }

        // Each value against the defaults: a rule between two settings needs the attributes to judge.
        var alone = ServiceSettings.ValuesOf(ApplyTo(new ServiceDescriptor
        {
            Name = "unknown",
            Kind = ServiceKind.Method,
            DeclaringType = "",
            AssemblyName = "",
            Methods = [],
            Distribution = HasValueFor(SettingScope.Distribute) ? new DistributionSpec { Type = "spmd", Workers = 1 } : null,
            Autoscale = HasValueFor(SettingScope.Autoscale) ? new AutoscaleSpec() : null,
        }), CallTimeout);
        alone.Name = null;
        return ServiceSettingsRules.Validate(alone).Where(p => p.Id != SettingDiagnostics.ScaleBoundsConflict).ToArray();
    }

    // An override replaces the attribute's variable of the same name in place; new ones follow, by name.
    private IReadOnlyList<EnvironmentVariableSpec> WithEnv(IReadOnlyList<EnvironmentVariableSpec> declared)
    {
        if (Env is not { Count: > 0 } overrides)
        {
            return declared;
        }

        var merged = declared.Select(v => overrides.TryGetValue(v.Name, out var value) ? v with { Value = value ?? "" } : v).ToList();
        merged.AddRange(overrides
            .Where(o => declared.All(v => v.Name != o.Key))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new EnvironmentVariableSpec { Name = o.Key, Value = o.Value ?? "" }));
        return merged;
    }

    // As [Env]: a volume of the same name is changed in place, new ones follow by name.
    private IReadOnlyList<VolumeSpec> WithVolumes(IReadOnlyList<VolumeSpec> declared)
    {
        if (Volumes is not { Count: > 0 } overrides)
        {
            return declared;
        }

        var merged = declared.Select(v => overrides.TryGetValue(v.Name, out var o) && o is not null ? o.ApplyTo(v) : v).ToList();
        merged.AddRange(overrides
            .Where(o => declared.All(v => v.Name != o.Key))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => (o.Value ?? new VolumeOverride()).ApplyTo(new VolumeSpec { Name = o.Key, Path = "" })));
        return merged;
    }

    private bool HasValueFor(SettingScope scope)
    {
        var set = SettingValues();
        return SettingsCatalogue.In(scope).Any(row => set[row.Field] is not null);
    }
}

/// <summary>One volume's overrides: <c>Hoist:Services:&lt;name&gt;:Volumes:&lt;volume&gt;:Size</c> and the like.</summary>
public sealed class VolumeOverride
{
    public string? Path { get; set; }
    public string? Size { get; set; }
    public string? StorageClass { get; set; }

    internal VolumeSpec ApplyTo(VolumeSpec volume) =>
        volume with { Path = Path ?? volume.Path, Size = Size ?? volume.Size, StorageClass = StorageClass ?? volume.StorageClass };
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ServiceOverrides))]
internal sealed partial class ServiceOverridesJsonContext : JsonSerializerContext;

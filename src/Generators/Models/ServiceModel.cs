using Hoist.Generators.Helpers;

namespace Hoist.Generators.Models
{
    /// <summary>
    /// One Hoist service, ready to emit: everything the proxy, the dispatcher and the descriptor need, as
    /// strings and numbers. Types are fully qualified (<c>global::</c>) with their nullable annotations.
    /// </summary>
    internal sealed record ServiceModel(
        string Name,
        string Identifier,
        bool IsClassService,
        TypeModel DeclaringType,
        EquatableArray<MethodModel> Methods,
        ConstructorModel? Constructor,
        ComputeModel Compute,
        DistributionModel? Distribution,
        AutoscaleModel? Autoscale,
        EquatableArray<EnvironmentVariableModel> Environment,
        EquatableArray<SecretModel> Secrets,
        EquatableArray<string> Setup,
        EquatableArray<VolumeModel> Volumes)
    {
        public bool IsDistributed => Distribution is not null;
    }

    /// <summary>
    /// The type that declares a service and the types that contain it, outermost first. The metadata name
    /// uses '+' for nesting, as <c>Assembly.GetType</c> expects.
    /// </summary>
    internal sealed record TypeModel(
        string? Namespace,
        EquatableArray<TypeDeclarationModel> Declarations,
        string FullyQualifiedName,
        string MetadataName,
        bool HidesInheritedProxy);

    /// <summary>How a type is re-declared in generated code, e.g. <c>static partial class Embeddings</c>.</summary>
    internal sealed record TypeDeclarationModel(string Keyword, string Name, bool IsStatic);

    /// <summary>The constructor a worker calls once to build a class service's instance.</summary>
    internal sealed record ConstructorModel(EquatableArray<ConstructorParameterModel> Parameters);

    /// <summary>A constructor parameter: resolved from DI, or the worker's service provider itself.</summary>
    internal sealed record ConstructorParameterModel(string Type, bool IsServiceProvider);

    /// <summary>The values of <c>[Compute]</c>, defaults filled in.</summary>
    internal sealed record ComputeModel(
        int Gpus,
        double Cpus,
        string? Memory,
        string? Disk,
        string Image,
        string? InactivityTtl,
        int LaunchTimeout,
        bool Freeze,
        string? Namespace,
        string? GpuType,
        string? SharedMemory,
        string? NodeSelector,
        string? Tolerations)
    {
        public static ComputeModel Default { get; } = new(0, 0, null, null, Hoist.Settings.ServiceDefaults.Image, null, Hoist.Settings.ServiceDefaults.LaunchTimeoutSeconds, false, null, null, null, null, null);
    }

    /// <summary>One <c>[Env("NAME", "value")]</c>.</summary>
    internal sealed record EnvironmentVariableModel(string Name, string Value);

    /// <summary>One <c>[Secret]</c>: a name, and optionally one key and the variable it goes into. Never a value.</summary>
    internal sealed record SecretModel(string Name, string? Key, string? Variable);

    /// <summary>One <c>[Volume]</c>; a null size is the default one.</summary>
    internal sealed record VolumeModel(string Name, string Path, string? Size, string? StorageClass);

    /// <summary>The values of <c>[Distribute]</c>.</summary>
    internal sealed record DistributionModel(string Type, int Workers);

    /// <summary>The values of <c>[Autoscale]</c>; null means the property was not written.</summary>
    internal sealed record AutoscaleModel(
        double Target,
        string Window,
        string Metric,
        int TargetUtilization,
        int? MinScale,
        int MaxScale,
        int InitialScale,
        int? ScaleToZeroGracePeriod);
}

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
        SettingsObjectModel Compute,
        SettingsObjectModel? Distribution,
        SettingsObjectModel? Autoscale,
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

    /// <summary>
    /// The settings of one attribute (<c>[Compute]</c>, <c>[Distribute]</c> or <c>[Autoscale]</c>), defaults filled in, as
    /// the descriptor JSON writes them: one value per catalogue row (src/Settings/SettingsCatalogue.cs), in its order.
    /// </summary>
    internal sealed record SettingsObjectModel(EquatableArray<SettingValueModel> Values);

    /// <summary>One setting: its descriptor field and its value as JSON text ("1", "\"12Gi\"", "null").</summary>
    internal sealed record SettingValueModel(string Field, string Json);

    /// <summary>One <c>[Env("NAME", "value")]</c>.</summary>
    internal sealed record EnvironmentVariableModel(string Name, string Value);

    /// <summary>One <c>[Secret]</c>: a name, and optionally one key and the variable it goes into. Never a value.</summary>
    internal sealed record SecretModel(string Name, string? Key, string? Variable);

    /// <summary>One <c>[Volume]</c>; a null size is the default one.</summary>
    internal sealed record VolumeModel(string Name, string Path, string? Size, string? StorageClass);
}

using System.Linq;
using Hoist.Generators.Diagnostics;
using Hoist.Generators.Helpers;
using Hoist.Generators.Models;
using Hoist.Settings;
using Microsoft.CodeAnalysis;

namespace Hoist.Generators
{
    public sealed partial class HoistGenerator
    {
        internal sealed partial class Parser
        {
            /// <summary>The settings of one service's attributes, validated.</summary>
            private sealed record Settings(
                string Name,
                LocationInfo? NameLocation,
                SettingsObjectModel Compute,
                SettingsObjectModel? Distribution,
                SettingsObjectModel? Autoscale,
                EquatableArray<EnvironmentVariableModel> Environment,
                EquatableArray<SecretModel> Secrets,
                EquatableArray<string> Setup,
                EquatableArray<VolumeModel> Volumes);

            /// <summary>
            /// Reads [Compute], [Distribute] and [Autoscale] with their defaults and checks them with the settings rules
            /// (<see cref="ServiceSettingsRules"/>), the same ones a configuration override meets at run time; each
            /// problem is reported at the argument that holds the value. The catalogue's rows say which settings there are.
            /// </summary>
            private Settings? ReadSettings(HoistAttributes attributes, string derivedName, string memberName, LocationInfo? identifier)
            {
                if (attributes.All.Concat(attributes.Additions).Any(HoistAttributes.IsMalformed))
                {
                    // Missing constructor argument, wrong argument type...: the compiler reports it.
                    _hasCompilerErrors = true;
                    return null;
                }

                AttributeArguments? compute = attributes.Compute is { } c ? new AttributeArguments(c, identifier, _cancellationToken) : null;
                AttributeArguments? distribute = attributes.Distribute is { } d ? new AttributeArguments(d, identifier, _cancellationToken) : null;
                AttributeArguments? autoscale = attributes.Autoscale is { } a ? new AttributeArguments(a, identifier, _cancellationToken) : null;

                var explicitName = compute?.GetString("Name");
                var values = new ServiceSettingValues
                {
                    Name = explicitName ?? derivedName,
                    IsDistributed = distribute is not null,
                    DistributionType = attributes.Distribute is { ConstructorArguments.Length: > 0 } distribution ? distribution.ConstructorArguments[0].Value as string : null,
                    IsAutoscaled = autoscale is not null,
                    Environment = attributes.Env.Select(static e => new EnvironmentSetting(Positional(e, 0), Positional(e, 1))).ToArray(),
                    Secrets = attributes.Secrets.Select(static s => new SecretSetting(Positional(s, 0), Positional(s, 1), Positional(s, 2))).ToArray(),
                    Setup = attributes.Setup.Select(static s => Positional(s, 0)).ToArray(),
                    Volumes = attributes.Volumes.Select(static v => new VolumeSetting(Positional(v, 0), Positional(v, 1), Named(v, "Size"), Named(v, "StorageClass"))).ToArray(),
                };
                foreach (var row in SettingsCatalogue.Rows)
                {
                    if (Arguments(row.Scope, compute, distribute, autoscale) is { } arguments && arguments.Has(row.Key))
                    {
                        values[row] = row.Kind switch
                        {
                            SettingKind.Double => arguments.GetDouble(row.Key),
                            SettingKind.Bool => arguments.GetBoolean(row.Key),
                            SettingKind.Text => arguments.GetString(row.Key),
                            _ => arguments.GetInt32(row.Key),
                        };
                    }
                }

                foreach (var problem in ServiceSettingsRules.Validate(values).Concat(ServiceSettingsRules.Warnings(values)))
                {
                    if (problem.Index is { } index)
                    {
                        ReportVariable(problem, index, attributes, identifier);
                        continue;
                    }

                    ReportSetting(problem, compute, distribute, autoscale, explicitName is null ? memberName : null, identifier);
                }

                return new Settings(
                    values.Name,
                    explicitName is not null ? compute!.Value.Location("Name") : identifier,
                    SettingsObject(values, SettingScope.Compute),
                    distribute is null ? null : SettingsObject(values, SettingScope.Distribute, new SettingValueModel("type", DescriptorJson.Value(values.DistributionType ?? string.Empty))),
                    autoscale is null ? null : SettingsObject(values, SettingScope.Autoscale),
                    new EquatableArray<EnvironmentVariableModel>(values.Environment.Select(static e => new EnvironmentVariableModel(e.Name ?? string.Empty, e.Value ?? string.Empty))),
                    new EquatableArray<SecretModel>(values.Secrets.Select(static s => new SecretModel(s.Name ?? string.Empty, s.Key, s.Variable))),
                    new EquatableArray<string>(values.Setup.Select(static s => s ?? string.Empty)),
                    new EquatableArray<VolumeModel>(values.Volumes.Select(static v => new VolumeModel(v.Name ?? string.Empty, v.Path ?? string.Empty, v.Size, v.StorageClass))));
            }

            // One attribute's settings as the descriptor JSON writes them, in catalogue order, after any fixed leading field.
            private static SettingsObjectModel SettingsObject(ServiceSettingValues values, SettingScope scope, SettingValueModel? first = null)
            {
                var fields = new System.Collections.Generic.List<SettingValueModel>();
                if (first is not null)
                {
                    fields.Add(first);
                }

                foreach (var row in SettingsCatalogue.In(scope))
                {
                    // A required value the attribute left out is already an error; the descriptor still needs a number.
                    var value = row.Kind == SettingKind.RequiredInt ? values.OptionalInt(row) ?? 0 : values[row];
                    fields.Add(new SettingValueModel(row.Field, DescriptorJson.Value(value)));
                }

                return new SettingsObjectModel(new EquatableArray<SettingValueModel>(fields));
            }

            private static AttributeArguments? Arguments(SettingScope scope, AttributeArguments? compute, AttributeArguments? distribute, AttributeArguments? autoscale) => scope switch
            {
                SettingScope.Compute => compute,
                SettingScope.Distribute => distribute,
                _ => autoscale,
            };

            private static string? Positional(AttributeData attribute, int index) =>
                index < attribute.ConstructorArguments.Length ? attribute.ConstructorArguments[index].Value as string : null;

            private static string? Named(AttributeData attribute, string name) =>
                attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value as string;

            // An [Env], [Secret], [Setup] or [Volume] problem, at the argument that holds the offending value.
            private void ReportVariable(SettingProblem problem, int index, HoistAttributes attributes, LocationInfo? identifier)
            {
                var attribute = problem.Setting switch
                {
                    ServiceSettingsRules.EnvSetting => attributes.Env[index],
                    ServiceSettingsRules.SetupSetting => attributes.Setup[index],
                    ServiceSettingsRules.VolumeSetting or ServiceSettingsRules.VolumePathSetting
                        or ServiceSettingsRules.VolumeSizeSetting or ServiceSettingsRules.VolumeStorageClassSetting => attributes.Volumes[index],
                    _ => attributes.Secrets[index],
                };
                var arguments = new AttributeArguments(attribute, identifier, _cancellationToken);
                var location = problem.Setting switch
                {
                    ServiceSettingsRules.SecretKeySetting => arguments.ConstructorArgumentLocation(1),
                    ServiceSettingsRules.SecretVariableSetting => arguments.ConstructorArgumentLocation(2),
                    ServiceSettingsRules.VolumePathSetting => arguments.ConstructorArgumentLocation(1),
                    ServiceSettingsRules.VolumeSizeSetting => arguments.Location("Size"),
                    ServiceSettingsRules.VolumeStorageClassSetting => arguments.Location("StorageClass"),
                    _ => arguments.ConstructorArgumentLocation(0),
                };
                Report(DiagnosticDescriptors.Get(problem.Id), location, problem.Subject, problem.Problem, problem.Allowed);
            }

            // Every settings diagnostic reads "<setting> <value> <problem>: <what is allowed>", at the argument that
            // holds the value; a name derived from the member (no [Compute(Name)]) is reported at the member.
            private void ReportSetting(
                SettingProblem problem,
                AttributeArguments? compute,
                AttributeArguments? distribute,
                AttributeArguments? autoscale,
                string? derivedFrom,
                LocationInfo? identifier)
            {
                var descriptor = DiagnosticDescriptors.Get(problem.Id);
                if (problem.Setting == "Name" && derivedFrom is not null)
                {
                    Report(
                        descriptor,
                        identifier,
                        $"The service name {problem.Value} derived from '{derivedFrom}'",
                        problem.Problem,
                        problem.Allowed + "; set [Compute(Name = \"...\")] to a valid name");
                    return;
                }

                var location = problem.Id switch
                {
                    SettingDiagnostics.UnknownDistributionType => distribute?.ConstructorArgumentLocation(0),
                    SettingDiagnostics.InvalidWorkers when problem.Value is null => distribute?.AttributeLocation,
                    SettingDiagnostics.AutoscaleOnRay => autoscale?.AttributeLocation,
                    _ => Arguments(SettingsCatalogue.Find(problem.Setting)?.Scope ?? SettingScope.Compute, compute, distribute, autoscale)?.Location(problem.Setting),
                };
                Report(descriptor, location ?? identifier, problem.Subject, problem.Problem, problem.Allowed);
            }
        }
    }
}

using System.Collections.Generic;
using Hoist.Settings;
using Microsoft.CodeAnalysis;

namespace Hoist.Generators.Diagnostics
{
    /// <summary>
    /// Every diagnostic the Hoist generator reports. IDs are stable: never renumber or reuse one. Each
    /// message says what is allowed, so the fix is in the error itself.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "Hoist";

        // A setting's value against the settings rules (src/Settings; their IDs are SettingDiagnostics'), which say what is wrong and what is allowed in
        // the same words a refused configuration override uses: "TargetUtilization 0 is out of range: use a
        // percentage from 1 to 100". {0} is the setting and its value, {1} the problem, {2} what is allowed.
        private const string SettingMessage = "{0} {1}: {2}";

        public static readonly DiagnosticDescriptor TypeNotPartial = Create(
            "HOIST001",
            "Service type must be partial",
            "'{0}' must be declared 'partial' because Hoist adds the Remote proxy of '{1}' to it: add the 'partial' modifier to '{0}' and to every type containing it");

        public static readonly DiagnosticDescriptor InvalidMetric = Create(
            SettingDiagnostics.InvalidMetric,
            "Unknown autoscaling metric",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidTargetUtilization = Create(
            SettingDiagnostics.InvalidTargetUtilization,
            "TargetUtilization out of range",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidTarget = Create(
            SettingDiagnostics.InvalidTarget,
            "Autoscaling target too small",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidWorkers = Create(
            SettingDiagnostics.InvalidWorkers,
            "Distributed service needs Workers",
            SettingMessage);

        public static readonly DiagnosticDescriptor UnknownDistributionType = Create(
            SettingDiagnostics.UnknownDistributionType,
            "Unknown distribution type",
            SettingMessage);

        public static readonly DiagnosticDescriptor ScaleBoundsConflict = Create(
            SettingDiagnostics.ScaleBoundsConflict,
            "Scale bounds conflict",
            SettingMessage);

        public static readonly DiagnosticDescriptor NegativeValue = Create(
            SettingDiagnostics.NegativeValue,
            "Scale setting is negative",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidDuration = Create(
            SettingDiagnostics.InvalidDuration,
            "Invalid duration",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidQuantity = Create(
            SettingDiagnostics.InvalidQuantity,
            "Invalid Kubernetes quantity",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidResource = Create(
            SettingDiagnostics.InvalidResource,
            "Invalid resource value",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidName = Create(
            SettingDiagnostics.InvalidName,
            "Invalid service name or namespace",
            SettingMessage);

        public static readonly DiagnosticDescriptor DuplicateServiceName = Create(
            "HOIST013",
            "Duplicate service name",
            "Service name \"{0}\" is already used by '{1}': service names must be unique, so set a different [Compute(Name = \"...\")] on one of them");

        public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
            "HOIST014",
            "Parameter cannot cross the wire",
            "Parameter '{0}' of '{1}' cannot be sent to a worker: {2}; use a type that round-trips exactly (primitives, strings, enums, arrays, List<T>, IReadOnlyList<T>, Dictionary<K,V> and the other standard collections, or records, classes and structs whose members all have a setter, [JsonInclude] or a constructor parameter) passed by value or 'in', and at most one CancellationToken");

        public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
            "HOIST015",
            "Return type cannot cross the wire",
            "The return type of '{0}' cannot be sent back from a worker: {1}; return void, Task, ValueTask, or T, Task<T>, ValueTask<T> or IAsyncEnumerable<T> where T round-trips exactly (primitives, strings, enums, arrays, List<T>, IReadOnlyList<T>, Dictionary<K,V> and the other standard collections, or records, classes and structs whose members all have a setter, [JsonInclude] or a constructor parameter)");

        public static readonly DiagnosticDescriptor GenericService = Create(
            "HOIST016",
            "Services cannot be generic",
            "'{0}' is generic: a Hoist service method, class service and the types that contain them must not be generic, so use concrete types");

        public static readonly DiagnosticDescriptor MisplacedAttribute = Create(
            "HOIST017",
            "Misplaced Hoist attribute",
            "{0} on '{1}' is not allowed: {2}");

        public static readonly DiagnosticDescriptor InaccessibleService = Create(
            "HOIST018",
            "Service is not accessible",
            "'{0}' is {1}: Hoist services and the types containing them must be public or internal so that generated code can call them");

        public static readonly DiagnosticDescriptor InvalidClassService = Create(
            "HOIST019",
            "Class service cannot be constructed",
            "Class service '{0}' {1}: a class service must be a non-abstract class with exactly one public constructor whose parameters are services resolved from dependency injection (passed by value), or a static class");

        public static readonly DiagnosticDescriptor DuplicateRemoteMethod = Create(
            "HOIST020",
            "Remote method names must be distinct",
            "'{0}' has more than one remote method that maps to '{1}': remote methods are addressed by name, so give each one a distinct name (overloads and methods differing only by an 'Async' suffix are not allowed)");

        public static readonly DiagnosticDescriptor ReservedMemberName = Create(
            "HOIST021",
            "Member name reserved for the generated proxy",
            "'{0}' already declares a member named '{1}': Hoist generates 'Remote' and 'RemoteProxy' on a type that declares services, so rename that member");

        public static readonly DiagnosticDescriptor RuntimeNotReferenced = Create(
            "HOIST022",
            "Hoist.Runtime is not referenced",
            "The project declares Hoist services but does not reference Hoist.Runtime, which the generated proxies and dispatchers need: add a reference to the Hoist.Runtime package or project");

        public static readonly DiagnosticDescriptor GenericClassServiceMethod = Create(
            "HOIST023",
            "Generic method of a class service",
            "'{0}' is generic, so it cannot be a remote method: a worker has to know the concrete parameter and return types to read and write them: make it non-generic, or private or protected if it is not meant to be called remotely");

        public static readonly DiagnosticDescriptor DistributedStream = Create(
            "HOIST024",
            "Distributed services cannot stream",
            "'{0}' returns IAsyncEnumerable<T> on a distributed service: a distributed call returns one result per rank, so return T, Task<T> or ValueTask<T> there, or stream from a service without [Distribute]");

        public static readonly DiagnosticDescriptor InvalidImage = Create(
            SettingDiagnostics.InvalidImage,
            "Invalid container image",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidVariableName = Create(
            SettingDiagnostics.InvalidVariableName,
            "Invalid environment variable name",
            SettingMessage);

        public static readonly DiagnosticDescriptor ReservedVariable = Create(
            SettingDiagnostics.ReservedVariable,
            "Environment variable reserved by Hoist",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidSecretName = Create(
            SettingDiagnostics.InvalidSecretName,
            "Invalid secret name",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidSecretKey = Create(
            SettingDiagnostics.InvalidSecretKey,
            "Invalid secret key",
            SettingMessage);

        public static readonly DiagnosticDescriptor DuplicateVariable = Create(
            SettingDiagnostics.DuplicateVariable,
            "Environment variable set twice",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidSetupStep = Create(
            SettingDiagnostics.InvalidSetupStep,
            "Invalid setup step",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidVolumeName = Create(
            SettingDiagnostics.InvalidVolumeName,
            "Invalid volume name",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidVolumePath = Create(
            SettingDiagnostics.InvalidVolumePath,
            "Invalid volume mount path",
            SettingMessage);

        public static readonly DiagnosticDescriptor DuplicateVolume = Create(
            SettingDiagnostics.DuplicateVolume,
            "Volume declared or mounted twice",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidGpuProduct = Create(
            SettingDiagnostics.InvalidGpuProduct,
            "Invalid GPU type",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidNodeSelector = Create(
            SettingDiagnostics.InvalidNodeSelector,
            "Invalid node selector",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidTolerations = Create(
            SettingDiagnostics.InvalidTolerations,
            "Invalid tolerations",
            SettingMessage);

        public static readonly DiagnosticDescriptor GpuProductWithoutGpus = Create(
            SettingDiagnostics.GpuProductWithoutGpus,
            "GPU type without GPUs",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidStorageClass = Create(
            SettingDiagnostics.InvalidStorageClass,
            "Invalid storage class",
            SettingMessage);

        // A warning, not an error: the service runs, but MinScale does nothing (a cluster gets min-scale "0").
        public static readonly DiagnosticDescriptor GracePeriodOverridesMinScale = Create(
            SettingDiagnostics.GracePeriodOverridesMinScale,
            "ScaleToZeroGracePeriod overrides MinScale",
            SettingMessage,
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor InvalidObjectName = Create(
            SettingDiagnostics.InvalidObjectName,
            "Invalid Kubernetes object name",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidMetadata = Create(
            SettingDiagnostics.InvalidMetadata,
            "Invalid labels or annotations",
            SettingMessage);

        public static readonly DiagnosticDescriptor AutoscaleOnRay = Create(
            SettingDiagnostics.AutoscaleOnRay,
            "[Autoscale] on a Ray group",
            SettingMessage);

        public static readonly DiagnosticDescriptor InvalidContainerConcurrency = Create(
            SettingDiagnostics.InvalidContainerConcurrency,
            "Invalid container concurrency",
            SettingMessage);

        public static readonly DiagnosticDescriptor AdditionWithoutService = Create(
            "HOIST043",
            "Hoist attribute on a member that is no service",
            "[{0}] on '{1}' does nothing: {2}");

        private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new()
        {
            [TypeNotPartial.Id] = TypeNotPartial,
            [InvalidMetric.Id] = InvalidMetric,
            [InvalidTargetUtilization.Id] = InvalidTargetUtilization,
            [InvalidTarget.Id] = InvalidTarget,
            [InvalidWorkers.Id] = InvalidWorkers,
            [UnknownDistributionType.Id] = UnknownDistributionType,
            [ScaleBoundsConflict.Id] = ScaleBoundsConflict,
            [NegativeValue.Id] = NegativeValue,
            [InvalidDuration.Id] = InvalidDuration,
            [InvalidQuantity.Id] = InvalidQuantity,
            [InvalidResource.Id] = InvalidResource,
            [InvalidName.Id] = InvalidName,
            [DuplicateServiceName.Id] = DuplicateServiceName,
            [UnsupportedParameter.Id] = UnsupportedParameter,
            [UnsupportedReturnType.Id] = UnsupportedReturnType,
            [GenericService.Id] = GenericService,
            [MisplacedAttribute.Id] = MisplacedAttribute,
            [InaccessibleService.Id] = InaccessibleService,
            [InvalidClassService.Id] = InvalidClassService,
            [DuplicateRemoteMethod.Id] = DuplicateRemoteMethod,
            [ReservedMemberName.Id] = ReservedMemberName,
            [RuntimeNotReferenced.Id] = RuntimeNotReferenced,
            [GenericClassServiceMethod.Id] = GenericClassServiceMethod,
            [DistributedStream.Id] = DistributedStream,
            [InvalidImage.Id] = InvalidImage,
            [InvalidVariableName.Id] = InvalidVariableName,
            [ReservedVariable.Id] = ReservedVariable,
            [InvalidSecretName.Id] = InvalidSecretName,
            [InvalidSecretKey.Id] = InvalidSecretKey,
            [DuplicateVariable.Id] = DuplicateVariable,
            [InvalidSetupStep.Id] = InvalidSetupStep,
            [InvalidVolumeName.Id] = InvalidVolumeName,
            [InvalidVolumePath.Id] = InvalidVolumePath,
            [DuplicateVolume.Id] = DuplicateVolume,
            [InvalidGpuProduct.Id] = InvalidGpuProduct,
            [InvalidNodeSelector.Id] = InvalidNodeSelector,
            [InvalidTolerations.Id] = InvalidTolerations,
            [AdditionWithoutService.Id] = AdditionWithoutService,
            [GpuProductWithoutGpus.Id] = GpuProductWithoutGpus,
            [InvalidStorageClass.Id] = InvalidStorageClass,
            [GracePeriodOverridesMinScale.Id] = GracePeriodOverridesMinScale,
            [InvalidObjectName.Id] = InvalidObjectName,
            [InvalidMetadata.Id] = InvalidMetadata,
            [AutoscaleOnRay.Id] = AutoscaleOnRay,
            [InvalidContainerConcurrency.Id] = InvalidContainerConcurrency,
        };

        /// <summary>All descriptors, in ID order.</summary>
        public static IReadOnlyCollection<DiagnosticDescriptor> All => s_byId.Values;

        /// <summary>The descriptor with <paramref name="id"/>; models carry IDs, not descriptors.</summary>
        public static DiagnosticDescriptor Get(string id) => s_byId[id];

        private static DiagnosticDescriptor Create(string id, string title, string messageFormat, DiagnosticSeverity severity = DiagnosticSeverity.Error) =>
            new(id, title, messageFormat, Category, severity, isEnabledByDefault: true);
    }
}

using System.Globalization;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Manifests;

/// <summary>The worker container every kind shares: command, environment, resources and gRPC probes.</summary>
internal static class WorkerContainer
{
    public const string Name = "worker";
    public const string GrpcPortName = "grpc";
    public const string GpuResource = "nvidia.com/gpu";

    public static V1Container Create(RenderTarget target, string portName, bool podFieldRefs, IEnumerable<V1EnvVar> extraEnvironment)
    {
        var options = target.Options;
        var (command, args) = WorkerPod.Command(target.Descriptor, Command(target.Descriptor.Compute.Image, options));
        return new V1Container
        {
            Name = Name,
            Image = ServiceImages.For(options.Image, target.Descriptor.Compute.Image),
            ImagePullPolicy = options.ImagePullPolicy,
            Command = command,
            Args = args,
            Ports = [new V1ContainerPort { Name = portName, ContainerPort = options.GrpcPort, Protocol = "TCP" }],
            Env = [.. HoistEnvironment(target, podFieldRefs), .. extraEnvironment, .. TelemetryEnvironment(target), .. ServiceEnvironment(target.Descriptor)],
            EnvFrom = EnvironmentFrom(target.Descriptor),
            VolumeMounts = WorkerPod.Mounts(target.Descriptor),
            Resources = Resources(target.Descriptor.Compute),
            StartupProbe = GrpcProbe(options.GrpcPort, ManifestRenderer.StartupProbePeriodSeconds, StartupFailureThreshold(target.Descriptor.Compute.LaunchTimeout)),
            ReadinessProbe = GrpcProbe(options.GrpcPort, periodSeconds: 5, failureThreshold: 3),
            LivenessProbe = GrpcProbe(options.GrpcPort, periodSeconds: 10, failureThreshold: 3),
            SecurityContext = SecurityContext(target.Descriptor.Compute.Image),
        };
    }

    /// <summary>The non-root user of Microsoft's .NET images (their APP_UID), which the SDK's container publish runs the app as.</summary>
    public const long DotnetAppUid = 1654;

    /// <summary>
    /// What the "restricted" Pod Security level asks of a container, as far as the image allows: no privilege
    /// escalation, no capabilities and the runtime's default seccomp profile (the worker needs none: it serves on an
    /// unprivileged port), and on a .NET base image, which runs the app as its non-root user, that user by number, so
    /// the kubelet can check it. Other bases (CUDA, PyTorch, Ray) often need root, so it is not forced on them; a
    /// namespace that enforces "restricted" refuses their pods, which the launch diagnosis reports at once. Knative
    /// accepts each of these container fields without a feature flag.
    /// </summary>
    public static V1SecurityContext SecurityContext(string baseImage) => new()
    {
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        RunAsNonRoot = BaseImages.CarriesDotnet(baseImage) ? true : null,
        RunAsUser = BaseImages.CarriesDotnet(baseImage) ? DotnetAppUid : null,
    };

    /// <summary>
    /// <c>dotnet /app/App.dll</c> on a .NET base image; on any other base the app is published
    /// self-contained, so it starts through its own launcher, <c>/app/App</c>.
    /// </summary>
    public static IList<string> Command(string baseImage, ManifestOptions options) =>
        BaseImages.CarriesDotnet(baseImage)
            ? ["dotnet", $"{ManifestOptions.AppDirectory}/{options.ResolvedEntryAssembly}"]
            : [$"{ManifestOptions.AppDirectory}/{Path.GetFileNameWithoutExtension(options.ResolvedEntryAssembly)}"];

    /// <summary>The call token variable: from the app's token Secret, never written into a manifest.</summary>
    public static V1EnvVar Token(ManifestOptions options) => new()
    {
        Name = WorkerEnvironment.Token,
        ValueFrom = new V1EnvVarSource
        {
            SecretKeyRef = new V1SecretKeySelector { Name = options.ResolvedTokenSecretName, Key = ManifestOptions.TokenSecretKey },
        },
    };

    /// <summary>
    /// The variables of <see cref="WorkerEnvironment"/>. The token comes from the Secret, never from the manifest.
    /// <paramref name="podFieldRefs"/> is false for Knative, which rejects the downward API unless the cluster
    /// enables <c>kubernetes.podspec-fieldref</c>; the worker then has no replica name, which is optional.
    /// </summary>

    public static IEnumerable<V1EnvVar> HoistEnvironment(RenderTarget target, bool podFieldRefs)
    {
        yield return Value(WorkerEnvironment.Role, WorkerEnvironment.WorkerRole);
        yield return Value(WorkerEnvironment.Service, target.Descriptor.Name);
        yield return Value(WorkerEnvironment.Port, target.Options.GrpcPort.ToString(CultureInfo.InvariantCulture));
        yield return Token(target.Options);
        yield return Value(WorkerEnvironment.Assembly, target.Descriptor.AssemblyName);
        if (podFieldRefs)
        {
            yield return FieldRef(WorkerEnvironment.Replica, "metadata.name");
        }

        // A pod's IP is not known in advance and callers come from other pods.
        yield return Value(WorkerEnvironment.BindAddress, "0.0.0.0");

        // The worker itself refuses code sync when frozen: the annotation alone is for people and tools reading the object.
        if (target.Descriptor.Compute.Freeze)
        {
            yield return Value(WorkerEnvironment.Freeze, "true");
        }

        // The worker holds calls beyond the limit itself, in every kind (a Knative queue-proxy already does, the
        // StatefulSet the controller scales has none).
        if (target.Descriptor.Autoscale is { ContainerConcurrency: > 0 } autoscale)
        {
            yield return Value(WorkerEnvironment.ContainerConcurrencyVariable, autoscale.ContainerConcurrency.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The caller's OpenTelemetry settings (<see cref="ManifestOptions.TelemetryEnvironment"/>), except any the service's own <c>[Env]</c> sets.</summary>
    public static IEnumerable<V1EnvVar> TelemetryEnvironment(RenderTarget target) =>
        target.Options.TelemetryEnvironment
            .Where(v => !target.Descriptor.Environment.Any(e => string.Equals(e.Name, v.Key, StringComparison.Ordinal)))
            .Select(v => Value(v.Key, v.Value));

    /// <summary>
    /// The <c>[Volume]</c> paths and <c>[Env]</c> values, then each one-key <c>[Secret]</c> as a reference into its Kubernetes Secret: the value
    /// stays in the cluster, never in the manifest.
    /// </summary>
    public static IEnumerable<V1EnvVar> ServiceEnvironment(ServiceDescriptor descriptor)
    {
        foreach (var variable in WorkerPod.VolumeEnvironment(descriptor))
        {
            yield return variable;
        }

        foreach (var variable in descriptor.Environment)
        {
            yield return Value(variable.Name, variable.Value);
        }

        foreach (var secret in descriptor.Secrets.Where(s => s.Key is not null))
        {
            yield return new V1EnvVar
            {
                Name = secret.Variable ?? secret.Key,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret.Name, Key = secret.Key } },
            };
        }
    }

    /// <summary>Each whole <c>[Secret]</c>: every key a variable of its name. Explicit env entries win over these, as in the local backend.</summary>
    public static IList<V1EnvFromSource>? EnvironmentFrom(ServiceDescriptor descriptor)
    {
        var whole = descriptor.Secrets.Where(s => s.Key is null).Select(s => new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = s.Name } }).ToList();
        return whole.Count == 0 ? null : whole;
    }

    /// <summary>Cpus, Memory and Disk as requests, memory also as the limit (no OOM surprises from overcommit), GPUs as a limit.</summary>
    public static V1ResourceRequirements? Resources(ComputeSpec compute)
    {
        var requests = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var limits = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        if (compute.Cpus > 0)
        {
            requests["cpu"] = Quantity(compute.Cpus.ToString("R", CultureInfo.InvariantCulture), "Cpus");
        }

        if (compute.Memory is { Length: > 0 } memory)
        {
            requests["memory"] = Quantity(memory, "Memory");
            limits["memory"] = Quantity(memory, "Memory");
        }

        if (compute.Disk is { Length: > 0 } disk)
        {
            requests["ephemeral-storage"] = Quantity(disk, "Disk");
        }

        if (compute.Gpus > 0)
        {
            limits[GpuResource] = Quantity(compute.Gpus.ToString(CultureInfo.InvariantCulture), "Gpus");
        }

        return requests.Count == 0 && limits.Count == 0
            ? null
            : new V1ResourceRequirements { Requests = requests.Count > 0 ? requests : null, Limits = limits.Count > 0 ? limits : null };
    }

    /// <summary>Enough startup probes to cover LaunchTimeout; the liveness probe only starts after one succeeds.</summary>
    public static int StartupFailureThreshold(int launchTimeoutSeconds) =>
        Math.Max(1, (int)Math.Ceiling(launchTimeoutSeconds / (double)ManifestRenderer.StartupProbePeriodSeconds));

    public static V1EnvVar Value(string name, string value) => new() { Name = name, Value = value };

    public static V1EnvVar FieldRef(string name, string fieldPath) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = fieldPath } } };

    // The worker serves grpc.health.v1 and answers it without the call token, so kubelet can probe it natively.
    private static V1Probe GrpcProbe(int port, int periodSeconds, int failureThreshold) => new()
    {
        Grpc = new V1GRPCAction { Port = port },
        PeriodSeconds = periodSeconds,
        TimeoutSeconds = 3,
        FailureThreshold = failureThreshold,
    };

    private static ResourceQuantity Quantity(string value, string setting)
    {
        try
        {
            var quantity = new ResourceQuantity(value);
            _ = quantity.ToString();
            return quantity;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new ArgumentException($"{setting} '{value}' is not a Kubernetes quantity: use a number with an optional suffix such as 500m, 12Gi or 100G.", e);
        }
    }
}

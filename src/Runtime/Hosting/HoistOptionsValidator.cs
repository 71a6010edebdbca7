using Hoist.Dispatch;
using Hoist.Manifests;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Hoist.Hosting;

/// <summary>
/// Checks the <c>Hoist</c> section at start-up (ValidateOnStart) and on every reload, so a wrong backend, a
/// missing image, a bad port or a service override that breaks the settings rules fails there, with the
/// setting's key, its value and what is allowed, not at the first call. A reload that fails is refused and the
/// last good settings stay (<see cref="LastGoodOptionsMonitor"/>).
/// </summary>
internal sealed class HoistOptionsValidator : IValidateOptions<HoistOptions>
{
    private static readonly string[] s_pullPolicies = ["Always", "IfNotPresent", "Never"];

    public ValidateOptionsResult Validate(string? name, HoistOptions options)
    {
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem in <paramref name="options"/>, each naming its setting; empty when it is valid.</summary>
    public static IReadOnlyList<string> Failures(HoistOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var backend = HoistBackends.Normalize(options.Backend);
        if (backend is null)
        {
            failures.Add($"Hoist:Backend is \"{options.Backend}\", which is not a backend. Allowed values: {string.Join(", ", HoistBackends.All.Select(b => $"\"{b}\""))}.");
        }

        if (backend == HoistBackends.Kubernetes)
        {
            failures.AddRange(KubernetesFailures(options.Kubernetes));
        }

        if (!LocalTransports.All.Contains(options.Local.Transport, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"Hoist:Local:Transport is \"{options.Local.Transport}\". Allowed values: {string.Join(", ", LocalTransports.All.Select(t => $"\"{t}\""))}.");
        }

        if (options.Local.SharedMemoryThreshold < 0)
        {
            failures.Add($"Hoist:Local:SharedMemoryThreshold is {options.Local.SharedMemoryThreshold}: use a number of bytes, or 0 to keep every payload inside the gRPC message.");
        }

        failures.AddRange(ServiceFailures(options.Services));
        return failures;
    }

    /// <summary>
    /// Each service override against the settings rules: the effective settings of a service this process has
    /// registered, each value on its own for a name it does not know (yet: a library's services register when
    /// its assembly loads, and <see cref="Client.ServiceCatalog"/> checks them again then).
    /// </summary>
    public static IEnumerable<string> ServiceFailures(IReadOnlyDictionary<string, ServiceOverrides> services)
    {
        foreach (var (name, overrides) in services.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var declared = ServiceRegistry.TryGet(name, out var registration) ? registration.Descriptor : null;
            foreach (var problem in overrides?.Problems(declared) ?? [])
            {
                yield return ServiceSettings.Describe(declared?.Name ?? name, problem);
            }
        }
    }

    /// <summary>
    /// The generator's warnings for the effective settings of each overridden service this process knows, in the words
    /// and with the ID the compiler uses: <c>Hoist:Services:embed:MinScale = 2 is ignored ... (HOIST046)</c>. They do
    /// not refuse the settings; <see cref="LastGoodOptionsMonitor"/> logs them.
    /// </summary>
    public static IEnumerable<string> ServiceWarnings(IReadOnlyDictionary<string, ServiceOverrides> services)
    {
        foreach (var (name, overrides) in services.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (overrides is null || !ServiceRegistry.TryGet(name, out var registration))
            {
                continue;
            }

            foreach (var warning in ServiceSettings.Warnings(overrides.ApplyTo(registration.Descriptor)))
            {
                yield return ServiceSettings.Describe(registration.Descriptor.Name, warning);
            }
        }
    }

    private static IEnumerable<string> KubernetesFailures(KubernetesBackendOptions k)
    {
        const string Section = "Hoist:Kubernetes";
        if (string.IsNullOrWhiteSpace(k.Image))
        {
            yield return $"{Section}:Image is required with the Kubernetes backend: the app's container image, e.g. \"registry.example/app:1.0\" (this executable published to {ManifestOptions.AppDirectory}).";
        }

        if (!KubernetesConnectModes.All.Contains(k.ConnectMode, StringComparer.OrdinalIgnoreCase))
        {
            yield return $"{Section}:ConnectMode is \"{k.ConnectMode}\". Allowed values: {string.Join(", ", KubernetesConnectModes.All.Select(m => $"\"{m}\""))}.";
        }

        if (k.Namespace is { Length: > 0 } ns && !KubernetesNames.IsDnsLabel(ns))
        {
            yield return $"{Section}:Namespace \"{ns}\" is not a DNS-1123 label: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit.";
        }

        if (k.Kubeconfig is { Length: > 0 } path && !File.Exists(path))
        {
            yield return $"{Section}:Kubeconfig points to \"{path}\", which does not exist.";
        }

        if (k.ImagePullPolicy is { Length: > 0 } policy && !s_pullPolicies.Contains(policy, StringComparer.Ordinal))
        {
            yield return $"{Section}:ImagePullPolicy is \"{policy}\". Allowed values: \"Always\", \"IfNotPresent\", \"Never\".";
        }

        foreach (var (port, setting) in new[] { (k.GrpcPort, nameof(k.GrpcPort)), (k.RendezvousPort, nameof(k.RendezvousPort)) })
        {
            if (port is <= 0 or > 65535)
            {
                yield return $"{Section}:{setting} is {port}, which is not a TCP port: use 1 to 65535.";
            }
        }

        if (k.GrpcPort == k.RendezvousPort)
        {
            yield return $"{Section}:GrpcPort and RendezvousPort are both {k.GrpcPort}: they must differ.";
        }

        if (!KubernetesBackendOptions.RuntimeIdentifiers.Contains(k.RuntimeIdentifier, StringComparer.Ordinal))
        {
            yield return $"{Section}:RuntimeIdentifier is \"{k.RuntimeIdentifier}\". Allowed values: {string.Join(", ", KubernetesBackendOptions.RuntimeIdentifiers.Select(r => $"\"{r}\""))}.";
        }

        if (k.StopTimeout < TimeSpan.Zero)
        {
            yield return $"{Section}:StopTimeout is {k.StopTimeout}: it must not be negative.";
        }

        if (k.LogLinesInErrors < 0)
        {
            yield return $"{Section}:LogLinesInErrors is {k.LogLinesInErrors}: it must not be negative.";
        }
    }
}

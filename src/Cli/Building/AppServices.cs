using Hoist.Hosting;
using Hoist.Manifests;
using Hoist.Configuration;

namespace Hoist.Cli.Building;

/// <summary>The services an assembly declares, read from its metadata (its code never runs), with the configuration's overrides applied.</summary>
internal static class AppServices
{
    public static IReadOnlyList<ServiceDescriptor> Read(BuiltApp app, HoistOptions settings)
    {
        IReadOnlyList<ServiceDescriptor> declared;
        try
        {
            declared = AssemblyDescriptorReader.Read(app.AssemblyPath);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or BadImageFormatException)
        {
            throw new CliException($"cannot read Hoist services from {app.AssemblyPath}: {ex.Message}", "pass a .NET assembly built with Hoist, or its project");
        }

        // The overrides meet the same rules as the attributes; and one that names no service is most likely a typo.
        var unknown = settings.Services.Keys.Where(name => !declared.Any(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))).Order(StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
        {
            throw new CliException(
                $"Hoist:Services:{unknown[0]} overrides a service that {Path.GetFileName(app.AssemblyPath)} does not declare",
                $"its services are: {string.Join(", ", declared.Select(d => d.Name))}",
                ExitCodes.Usage);
        }

        try
        {
            return declared
                .Select(d => ServiceSettings.Apply(d, settings.Services.TryGetValue(d.Name, out var overrides) ? overrides : null))
                .ToArray();
        }
        catch (ServiceSettingsException ex)
        {
            throw SettingsRefused(ex);
        }
    }

    /// <summary>A service's settings broke the settings rules: the first problem as the error, the rest as details.</summary>
    public static CliException SettingsRefused(ServiceSettingsException exception) =>
        new(new CliError(
            exception.Problems[0],
            $"fix it in the Hoist:Services:{exception.Service} section of appsettings.json or its Hoist__Services__{exception.Service}__* environment variable")
        {
            Details = exception.Problems.Skip(1).ToArray(),
        });

    /// <summary>The services to act on: all of them, or the ones named, each of which must exist.</summary>
    public static IReadOnlyList<ServiceDescriptor> Select(IReadOnlyList<ServiceDescriptor> services, IReadOnlyCollection<string> names, string assemblyPath)
    {
        if (services.Count == 0)
        {
            throw new CliException(
                $"{Path.GetFileName(assemblyPath)} declares no Hoist service",
                "put [Compute] on a method or class, and reference Hoist's generator (the Hoist package does)");
        }

        if (names.Count == 0)
        {
            return services;
        }

        var unknown = names.Where(n => !services.Any(s => string.Equals(s.Name, n, StringComparison.Ordinal))).ToArray();
        if (unknown.Length > 0)
        {
            throw new CliException(
                $"{Path.GetFileName(assemblyPath)} has no service {string.Join(", ", unknown.Select(n => $"'{n}'"))}",
                $"its services are: {string.Join(", ", services.Select(s => s.Name))}",
                ExitCodes.Usage);
        }

        return services.Where(s => names.Contains(s.Name, StringComparer.Ordinal)).ToArray();
    }
}

using Hoist.Hosting;
using Hoist.Manifests;

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

        return declared
            .Select(d => settings.Services.TryGetValue(d.Name, out var overrides) ? overrides.ApplyTo(d) : d)
            .ToArray();
    }

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

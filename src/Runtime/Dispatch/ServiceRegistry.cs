using System.Collections.Concurrent;
using System.ComponentModel;

namespace Hoist.Dispatch;

/// <summary>
/// The process-wide table of services. Generated module initializers fill it, so a caller knows every
/// descriptor in its assemblies and a worker finds its dispatcher without reflection on the call path.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ServiceRegistry
{
    private static readonly ConcurrentDictionary<string, ServiceRegistration> s_services = new(StringComparer.Ordinal);

    /// <summary>Called by generated code. A second registration of the same name from another assembly is an error.</summary>
    public static void Register(ServiceDescriptor descriptor, Func<IServiceProvider, ServiceDispatcher> createDispatcher)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(createDispatcher);

        var registration = new ServiceRegistration(descriptor, createDispatcher);
        var existing = s_services.GetOrAdd(descriptor.Name, registration);
        if (!ReferenceEquals(existing, registration) && existing.Descriptor.AssemblyName != descriptor.AssemblyName)
        {
            throw new InvalidOperationException(
                $"Hoist service '{descriptor.Name}' is declared twice: by {existing.Descriptor.DeclaringType} in " +
                $"{existing.Descriptor.AssemblyName} and by {descriptor.DeclaringType} in {descriptor.AssemblyName}. " +
                "Give one of them another [Compute(Name = ...)].");
        }
    }

    public static IReadOnlyCollection<ServiceRegistration> All => s_services.Values.ToArray();

    public static bool TryGet(string name, out ServiceRegistration registration) =>
        s_services.TryGetValue(name, out registration!);
}

/// <summary>A descriptor and the factory that builds its dispatcher inside a worker.</summary>
public sealed record ServiceRegistration(ServiceDescriptor Descriptor, Func<IServiceProvider, ServiceDispatcher> CreateDispatcher);

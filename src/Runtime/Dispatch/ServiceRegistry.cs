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

    // Set while a worker loads new code beside the code it serves: that code's module initializer registers
    // here, not in the process-wide table, where the old registrations keep serving until the switch.
    [ThreadStatic]
    private static List<ServiceRegistration>? t_capture;

    /// <summary>Called by generated code. A second registration of the same name from another assembly is an error.</summary>
    public static void Register(ServiceDescriptor descriptor, Func<IServiceProvider, ServiceDispatcher> createDispatcher)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(createDispatcher);

        var registration = new ServiceRegistration(descriptor, createDispatcher);
        if (t_capture is { } capture)
        {
            capture.Add(registration);
            return;
        }

        var existing = s_services.GetOrAdd(descriptor.Name, registration);
        if (!ReferenceEquals(existing, registration) && existing.Descriptor.AssemblyName != descriptor.AssemblyName)
        {
            throw new InvalidOperationException(
                $"Hoist service '{descriptor.Name}' is declared twice: by {existing.Descriptor.DeclaringType} in " +
                $"{existing.Descriptor.AssemblyName} and by {descriptor.DeclaringType} in {descriptor.AssemblyName}. " +
                "Give one of them another [Compute(Name = ...)].");
        }
    }

    /// <summary>
    /// Collects, on this thread, the registrations of code being loaded (say, a module initializer run explicitly)
    /// instead of adding them to the table, until the returned scope is disposed.
    /// </summary>
    internal static IDisposable Capture(List<ServiceRegistration> into)
    {
        var previous = t_capture;
        t_capture = into;
        return new CaptureScope(previous);
    }

    private sealed class CaptureScope(List<ServiceRegistration>? previous) : IDisposable
    {
        public void Dispose() => t_capture = previous;
    }

    public static IReadOnlyCollection<ServiceRegistration> All => s_services.Values.ToArray();

    public static bool TryGet(string name, out ServiceRegistration registration) =>
        s_services.TryGetValue(name, out registration!);
}

/// <summary>A descriptor and the factory that builds its dispatcher inside a worker.</summary>
public sealed record ServiceRegistration(ServiceDescriptor Descriptor, Func<IServiceProvider, ServiceDispatcher> CreateDispatcher);

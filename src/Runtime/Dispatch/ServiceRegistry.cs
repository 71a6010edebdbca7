using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;

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

    /// <summary>
    /// Runs the module initializers of <paramref name="entry"/> and of every assembly it reaches, directly or not, that
    /// references Hoist: each registers its services here, as it would when first touched. After this, a name not in
    /// the table names no service of the app, rather than one not loaded yet.
    /// </summary>
    internal static void LoadAll(Assembly? entry)
    {
        if (entry is null)
        {
            return;
        }

        var hoist = typeof(ServiceRegistry).Assembly.GetName().Name;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([entry]);
        while (pending.TryPop(out var assembly))
        {
            var references = assembly.GetReferencedAssemblies();
            if (assembly == entry || references.Any(r => r.Name == hoist))
            {
                RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            }

            foreach (var reference in references)
            {
                if (reference.Name is not { } name || name == hoist || IsFramework(name) || !seen.Add(name))
                {
                    continue;
                }

                try
                {
                    pending.Push(Assembly.Load(reference));
                }
                catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // Not deployed beside the app: it cannot hold a service the app calls.
                }
            }
        }
    }

    private static bool IsFramework(string name) =>
        name.StartsWith("System", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal)
        || name is "netstandard" or "mscorlib" || name.StartsWith("Grpc", StringComparison.Ordinal) || name.StartsWith("Google.", StringComparison.Ordinal)
        || name.StartsWith("OpenTelemetry", StringComparison.Ordinal) || name.StartsWith("KubernetesClient", StringComparison.Ordinal);

    public static bool TryGet(string name, out ServiceRegistration registration) =>
        s_services.TryGetValue(name, out registration!);
}

/// <summary>A descriptor and the factory that builds its dispatcher inside a worker.</summary>
public sealed record ServiceRegistration(ServiceDescriptor Descriptor, Func<IServiceProvider, ServiceDispatcher> CreateDispatcher);

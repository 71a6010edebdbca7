using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using Hoist.CodeSync;
using Hoist.Dispatch;
using Hoist.Hosting;
using Hoist.Configuration;

namespace Hoist.Worker;

/// <summary>Why prepared code was refused; <see cref="CodeService"/> turns each kind into its gRPC status.</summary>
internal enum CodeRefusal
{
    /// <summary>A path outside the app folder, or content that does not match its hash.</summary>
    BadRequest,

    /// <summary>The new code fails to load, or to build its service.</summary>
    CannotLoad,

    /// <summary>The change reaches assemblies the process keeps loaded (Hoist, gRPC, the framework): only a fresh process runs it.</summary>
    NeedsFreshProcess,
}

internal sealed class CodeLoadException(CodeRefusal refusal, string message, Exception? inner = null) : Exception(message, inner)
{
    public CodeRefusal Refusal { get; } = refusal;
}

/// <summary>
/// Turns a sync's files into a generation ready to serve: writes them to a fresh folder (copying the contents
/// the worker already has), loads the service's assembly there into a collectible context, and builds its
/// dispatcher — a class service's instance is built from the new code. Any failure leaves nothing behind, so
/// the old code keeps serving. The generations live in a folder of their own (mkdtemp) inside the user's private
/// folder, their files made afresh (O_EXCL, 0600): no one else can put code where a generation loads it from.
/// </summary>
internal sealed class CodeLoader(WorkerEnvironment environment, IServiceProvider services) : IDisposable
{
    private readonly Lazy<string> _root = new(() => CreateRoot());

    public CodeGeneration Load(ServiceCode code, IReadOnlyList<AppFile> files, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> contents)
    {
        var current = code.Current;
        Validate(files, contents);
        var manifest = new AppManifest(files);
        RefuseAmplification(manifest, current.Manifest, contents);
        RefuseHostChanges(manifest, code.Initial.Manifest);

        var number = code.NextNumber();
        var folder = Transport.PrivateFolder.Ensure(Path.Combine(Transport.PrivateFolder.Ensure(_root.Value), $"gen-{number}"));
        CodeLoadContext? context = null;
        try
        {
            Write(folder, manifest, current, contents);
            context = new CodeLoadContext(folder);
            var dispatcher = BuildDispatcher(context, folder);
            return new CodeGeneration(number, folder, dispatcher, context, manifest);
        }
        catch (Exception ex)
        {
            context?.Unload();
            Transport.PrivateFolder.TryDeleteTree(folder);
            throw ex as CodeLoadException ?? new CodeLoadException(CodeRefusal.CannotLoad, $"The new code of service '{environment.ServiceName}' failed to load: {Describe(ex)}", ex);
        }
    }

    /// <summary>Removes every generation's folder when the worker exits.</summary>
    public void Dispose()
    {
        if (_root.IsValueCreated)
        {
            Transport.PrivateFolder.TryDeleteTree(_root.Value);
        }
    }

    private static string CreateRoot() =>
        Transport.PrivateFolder.Ensure(Transport.UnixFiles.MakeFreshFolder(Path.Combine(Transport.PrivateFolder.SocketFolder(), $"code-{Environment.ProcessId}-")));

    /// <summary>Disposes a generation's dispatcher (and so a class service's instance), then unloads and deletes its code.</summary>
    public static async Task UnloadAsync(CodeGeneration generation)
    {
        await generation.Dispatcher.DisposeAsync().ConfigureAwait(false);
        if (generation.Context is { } context)
        {
            context.Unload();
            Transport.PrivateFolder.TryDeleteTree(generation.Folder);
        }
    }

    private static void Validate(IReadOnlyList<AppFile> files, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> contents)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!paths.Add(file.Path))
            {
                throw new CodeLoadException(CodeRefusal.BadRequest, $"The path '{file.Path}' is listed twice: a sync names each file once.");
            }

            if (!AppManifest.IsSafeRelativePath(file.Path))
            {
                throw new CodeLoadException(CodeRefusal.BadRequest, $"The path '{file.Path}' is outside the app folder: a sync writes only relative paths below it, without '..'.");
            }

            if (!AppManifest.IsSha256(file.Sha256))
            {
                throw new CodeLoadException(CodeRefusal.BadRequest, $"The file '{file.Path}' has no valid SHA-256 ('{file.Sha256}'): 64 lowercase hex digits.");
            }
        }

        foreach (var (sha256, data) in contents)
        {
            if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(data.Span)), sha256, StringComparison.Ordinal))
            {
                throw new CodeLoadException(CodeRefusal.BadRequest, $"Content sent as {sha256} does not have that hash; nothing was written.");
            }
        }
    }

    /// <summary>
    /// A sync writes at most what it sent plus what the worker already has: a list that names one content under many
    /// paths must not turn a small request into gigabytes on disk.
    /// </summary>
    private static void RefuseAmplification(AppManifest manifest, AppManifest current, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> contents)
    {
        long sent = contents.Values.Sum(c => (long)c.Length);
        long have = current.Files.Sum(f => f.Length);
        long writes = 0;
        foreach (var file in manifest.Files)
        {
            writes += contents.TryGetValue(file.Sha256, out var data) ? data.Length : current.TryGetByHash(file.Sha256, out var kept) ? kept.Length : 0;
        }

        if (writes > sent + have)
        {
            throw new CodeLoadException(
                CodeRefusal.BadRequest,
                $"The sync would write {writes} bytes, more than the {sent} it sent plus the {have} the running code has; a sync names each content under as many paths as the app has, no more.");
        }
    }

    /// <summary>
    /// Hoist, gRPC, ASP.NET Core and the framework stay loaded from the start; a sync that changes one of
    /// their files cannot take effect in this process, so it is refused and the caller starts fresh workers.
    /// </summary>
    private static void RefuseHostChanges(AppManifest manifest, AppManifest initial)
    {
        foreach (var file in manifest.Files)
        {
            if (CodeLoadContext.IsHostAssemblyFile(file.Path) && initial.TryGetByPath(file.Path, out var before) && before.Sha256 != file.Sha256)
            {
                throw new CodeLoadException(
                    CodeRefusal.NeedsFreshProcess,
                    $"{file.Path} changed, and it belongs to the worker's host (Hoist, gRPC, ASP.NET Core or the framework), which stays loaded for the life of the process: this change needs fresh workers.");
            }
        }
    }

    private static void Write(string folder, AppManifest manifest, CodeGeneration current, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> contents)
    {
        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        foreach (var file in manifest.Files)
        {
            var target = Path.GetFullPath(Path.Combine(folder, file.Path));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new CodeLoadException(CodeRefusal.BadRequest, $"The path '{file.Path}' is outside the app folder.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (contents.TryGetValue(file.Sha256, out var data))
            {
                using var stream = new FileStream(Transport.UnixFiles.CreateNew(target), FileAccess.Write);
                stream.Write(data.Span);
            }
            else if (current.Manifest.TryGetByHash(file.Sha256, out var have))
            {
                File.Copy(Path.Combine(current.Folder, have.Path), target);
            }
            else
            {
                throw new CodeLoadException(CodeRefusal.BadRequest, $"The content of '{file.Path}' ({file.Sha256}) was neither sent nor present in the running code.");
            }
        }
    }

    private ServiceDispatcher BuildDispatcher(CodeLoadContext context, string folder)
    {
        var assemblyName = environment.AssemblyName ?? Assembly.GetEntryAssembly()?.GetName().Name
            ?? throw new CodeLoadException(CodeRefusal.CannotLoad, "The worker does not know which assembly declares its service.");
        var path = Path.Combine(folder, assemblyName + ".dll");
        if (!File.Exists(path))
        {
            throw new CodeLoadException(CodeRefusal.CannotLoad, $"The new code has no {assemblyName}.dll, the assembly that declares service '{environment.ServiceName}'.");
        }

        var assembly = context.LoadFromAssemblyPath(path);
        var registrations = new List<ServiceRegistration>();
        using (ServiceRegistry.Capture(registrations))
        {
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        }

        var registration = registrations.FirstOrDefault(r => r.Descriptor.Name == environment.ServiceName)
            ?? throw new CodeLoadException(
                CodeRefusal.CannotLoad,
                $"The new code of {assemblyName} no longer declares service '{environment.ServiceName}' (it declares: {string.Join(", ", registrations.Select(r => r.Descriptor.Name).DefaultIfEmpty("none"))}).");

        // An attribute the worker was launched with ([Env], Workers, ...) cannot change under it: never a stale setting.
        if (ServiceRegistry.TryGet(environment.ServiceName, out var launched) && LaunchAttributes.Changes(launched.Descriptor, registration.Descriptor) is { Count: > 0 } changes)
        {
            throw new CodeLoadException(
                CodeRefusal.NeedsFreshProcess,
                $"The new code of service '{environment.ServiceName}' changes what its workers were launched with ({string.Join(", ", changes)}): this change needs fresh workers.");
        }

        return registration.CreateDispatcher(services);
    }

    private static string Describe(Exception ex)
    {
        var inner = ex is TargetInvocationException or TypeInitializationException && ex.InnerException is not null ? ex.InnerException : ex;
        return $"{inner.GetType().FullName}: {inner.Message}";
    }
}

/// <summary>
/// A collectible context for one generation of an app's own code. The host's assemblies — Hoist and what it
/// references, and the framework — resolve to the default context, so the new code and the worker agree on
/// <see cref="ServiceDispatcher"/> and every other type they share; the app's assemblies load afresh from the
/// generation's folder.
/// </summary>
internal sealed class CodeLoadContext(string folder) : AssemblyLoadContext($"hoist-code:{folder}", isCollectible: true)
{
    private static readonly Lazy<HashSet<string>> s_hostAssemblies = new(FindHostAssemblies);

    public static bool IsHostAssemblyFile(string path)
    {
        if (path.Contains('/') || !path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return IsHostAssembly(path[..^4]);
    }

    public static bool IsHostAssembly(string name) =>
        name.StartsWith("System.", StringComparison.Ordinal) || name is "System" or "mscorlib" or "netstandard" || s_hostAssemblies.Value.Contains(name);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } name || IsHostAssembly(name))
        {
            return null;
        }

        var path = Path.Combine(folder, name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>Hoist.Runtime, Hoist.Attributes and everything Hoist.Runtime references, transitively.</summary>
    private static HashSet<string> FindHostAssemblies()
    {
        var found = new HashSet<string>(StringComparer.Ordinal) { "Hoist.Attributes" };
        var pending = new Stack<Assembly>([typeof(ServiceDispatcher).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (!found.Add(assembly.GetName().Name!))
            {
                continue;
            }

            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is { } name && !found.Contains(name))
                {
                    try
                    {
                        pending.Push(Default.LoadFromAssemblyName(reference));
                    }
                    catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
                    {
                        found.Add(name);
                    }
                }
            }
        }

        return found;
    }
}

using System.Reflection.PortableExecutable;

namespace Hoist.Cli.Building;

/// <summary>Facts about a built assembly read from its headers, without loading it.</summary>
internal static class AssemblyFacts
{
    /// <summary>True for an app (it has a Main), false for a class library: only an app can run as a worker.</summary>
    public static bool HasEntryPoint(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        return pe.PEHeaders.CorHeader is { EntryPointTokenOrRelativeVirtualAddress: not 0 };
    }

    public static void RequireApp(BuiltApp app, string action)
    {
        if (!HasEntryPoint(app.AssemblyPath))
        {
            throw new CliException(
                $"{Path.GetFileName(app.AssemblyPath)} is a class library, and {action} needs an app: workers run the app's executable",
                "pass the app project (OutputType Exe) that references this library");
        }
    }
}

namespace Hoist.Cli.Compiling;

/// <summary>Where an in-process compile's files go, and the check that it compiles what <c>dotnet build</c> compiled.</summary>
internal static class CompiledOutput
{
    /// <summary>
    /// Writes the assembly, its pdb and its XML documentation over the build's copies in the output folder, each
    /// through a new file renamed into place: a process running the old assembly keeps reading the old file.
    /// obj/ is left alone, so the next <c>dotnet build</c> still sees the saved sources as newer and compiles them.
    /// </summary>
    public static void Write(string targetPath, CompileInputs inputs, CompileOutcome outcome)
    {
        Replace(targetPath, outcome.Assembly);
        if (outcome.Pdb is { } pdb)
        {
            Replace(Path.ChangeExtension(targetPath, ".pdb"), pdb);
        }

        if (outcome.Documentation is { } xml && inputs.Parsed.DocumentationPath is { } documentation)
        {
            var copy = Path.Combine(Path.GetDirectoryName(targetPath)!, Path.GetFileName(documentation));
            if (File.Exists(copy))
            {
                Replace(copy, xml);
            }
        }
    }

    /// <summary>
    /// Null when the in-process compile of the sources the build just compiled gives the build's assembly: the same
    /// bytes, or (a build that is not deterministic) the same <see cref="AssemblyShape"/>. Else what differs.
    /// </summary>
    public static string? CompareWithBuild(CompileInputs inputs, CompileOutcome outcome, out bool identical)
    {
        identical = false;
        if (!outcome.Succeeded)
        {
            return $"it reports {outcome.ErrorLines.FirstOrDefault()}";
        }

        var built = inputs.IntermediateAssembly;
        if (!File.Exists(built))
        {
            return $"{built} is missing";
        }

        var bytes = File.ReadAllBytes(built);
        if (bytes.AsSpan().SequenceEqual(outcome.Assembly))
        {
            identical = true;
            return null;
        }

        var differences = AssemblyShape.Differences(AssemblyShape.Read(bytes), AssemblyShape.Read(outcome.Assembly));
        return differences.Count == 0 ? null : $"{differences.Count} metadata difference(s), first: {differences[0]}";
    }

    private static void Replace(string path, byte[] content)
    {
        if (File.Exists(path) && new FileInfo(path).Length == content.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            return;
        }

        var temporary = path + ".hoist-dev.tmp";
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}

using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Hoist.Runtime.Tests.Architecture;

/// <summary>
/// Which source folder of an assembly uses which other, read from the compiled IL: a type's folder is where its
/// source file is (from the portable PDB's documents), and a folder uses another when one of its types names one of
/// the other's in a signature, a base type, an attribute or a method body. Namespaces do not serve: several folders
/// share the root namespace <c>Hoist</c>.
/// </summary>
internal sealed class FolderGraph
{
    // Generated code (Grpc.Tools' C# under obj/, source generators' output) belongs to the folder its input is in.
    private const string Generated = "(generated)";

    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _uses = new(StringComparer.Ordinal);

    private FolderGraph()
    {
    }

    public IReadOnlyCollection<string> Folders => _uses.Keys;

    public static FolderGraph Read(string path)
    {
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { ReadSymbols = true });
        var projectFolder = ProjectFolder(module);
        var folders = new Dictionary<TypeDefinition, string>();
        foreach (var type in module.Types.Where(t => t.Name != "<Module>"))
        {
            if (FolderOf(type, projectFolder) is { } folder)
            {
                folders[type] = folder;
            }
        }

        // A type with no method bodies (an interface, an enum, a record of constants) takes the folder most of its
        // namespace's types are in.
        var byNamespace = folders.GroupBy(p => p.Key.Namespace).ToDictionary(g => g.Key, g => g.GroupBy(p => p.Value).MaxBy(f => f.Count())!.Key);
        foreach (var type in module.Types.Where(t => t.Name != "<Module>" && !folders.ContainsKey(t)))
        {
            if (byNamespace.TryGetValue(type.Namespace, out var folder))
            {
                folders[type] = folder;
            }
        }

        var graph = new FolderGraph();
        foreach (var (type, folder) in folders)
        {
            var uses = graph.Uses(folder);
            foreach (var used in References(type).Select(r => Outermost(r, module)).OfType<TypeDefinition>().Distinct())
            {
                if (folders.TryGetValue(used, out var usedFolder) && usedFolder != folder && usedFolder != Generated && folder != Generated)
                {
                    if (!uses.TryGetValue(usedFolder, out var why))
                    {
                        uses[usedFolder] = why = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    why.Add($"{type.Name} uses {used.Name}");
                }
            }
        }

        return graph;
    }

    /// <summary>Each set of folders that reach each other (Tarjan's strongly connected components of two or more).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<IReadOnlyList<string>>();

        void Visit(string folder)
        {
            index[folder] = low[folder] = index.Count;
            stack.Push(folder);
            onStack.Add(folder);
            foreach (var next in Uses(folder).Keys)
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[folder] = Math.Min(low[folder], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[folder] = Math.Min(low[folder], index[next]);
                }
            }

            if (low[folder] == index[folder])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != folder);

                if (component.Count > 1)
                {
                    cycles.Add(component);
                }
            }
        }

        foreach (var folder in _uses.Keys.ToArray())
        {
            if (!index.ContainsKey(folder))
            {
                Visit(folder);
            }
        }

        return cycles;
    }

    /// <summary>The uses between the folders of one cycle, with the types behind each.</summary>
    public string Explain(IReadOnlyList<string> cycle) => string.Join(
        Environment.NewLine,
        from folder in cycle
        from use in Uses(folder)
        where cycle.Contains(use.Key)
        select $"  {folder} -> {use.Key}: {string.Join(", ", use.Value.Take(4))}");

    private Dictionary<string, SortedSet<string>> Uses(string folder)
    {
        if (!_uses.TryGetValue(folder, out var uses))
        {
            _uses[folder] = uses = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        }

        return uses;
    }

    /// <summary>The project folder (the one holding the .csproj) the assembly was built from, found from its sources.</summary>
    private static string ProjectFolder(ModuleDefinition module)
    {
        var documents = module.Types.SelectMany(AllTypes).SelectMany(t => t.Methods).Where(m => m.HasBody)
            .SelectMany(m => m.DebugInformation.SequencePoints).Select(p => p.Document.Url).Distinct().ToArray();
        Assert.True(documents.Length > 0, $"{module.Name} has no portable PDB beside it to read source folders from.");
        foreach (var document in documents)
        {
            for (var folder = Path.GetDirectoryName(document); folder is not null; folder = Path.GetDirectoryName(folder))
            {
                if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.csproj").Any())
                {
                    return folder;
                }
            }
        }

        throw new InvalidOperationException($"No project folder above the sources of {module.Name}.");
    }

    private static string? FolderOf(TypeDefinition type, string projectFolder)
    {
        var folders = AllTypes(type).SelectMany(t => t.Methods).Where(m => m.HasBody)
            .Select(m => m.DebugInformation.SequencePoints.FirstOrDefault()?.Document.Url)
            .OfType<string>()
            .Select(document => Folder(document, projectFolder))
            .ToArray();
        var own = folders.Where(f => f != Generated).ToArray();
        return own.Length > 0 ? own.GroupBy(f => f).MaxBy(g => g.Count())!.Key : folders.FirstOrDefault();
    }

    private static string Folder(string document, string projectFolder)
    {
        // A relative document is a source generator's output; one under obj/ is Grpc.Tools'. Files linked from outside
        // the project (src/Settings) count as a folder of their own.
        if (!Path.IsPathRooted(document))
        {
            return Generated;
        }

        var relative = Path.GetRelativePath(projectFolder, document).Replace('\\', '/');
        return relative.StartsWith("obj/", StringComparison.Ordinal) ? Generated
            : Path.GetDirectoryName(relative)?.Replace('\\', '/') is { Length: > 0 } folder ? folder
            : ".";
    }

    private static IEnumerable<TypeDefinition> AllTypes(TypeDefinition type) => type.NestedTypes.SelectMany(AllTypes).Prepend(type);

    private static TypeDefinition? Outermost(TypeReference reference, ModuleDefinition module)
    {
        var element = reference.GetElementType();
        if (element.Scope != module && element.Module != module)
        {
            return null;
        }

        var definition = element as TypeDefinition ?? (element.Module == module ? element.Resolve() : null);
        while (definition?.DeclaringType is { } outer)
        {
            definition = outer;
        }

        return definition?.Module == module ? definition : null;
    }

    /// <summary>Every type a type's declaration and code name, its nested types' included.</summary>
    private static IEnumerable<TypeReference> References(TypeDefinition root)
    {
        foreach (var type in AllTypes(root))
        {
            if (type.BaseType is { } baseType)
            {
                foreach (var t in Expand(baseType)) yield return t;
            }

            foreach (var t in type.Interfaces.SelectMany(i => Expand(i.InterfaceType))) yield return t;
            foreach (var t in type.CustomAttributes.SelectMany(a => Expand(a.AttributeType))) yield return t;
            foreach (var t in type.Fields.SelectMany(f => Expand(f.FieldType))) yield return t;
            foreach (var t in type.Properties.SelectMany(p => Expand(p.PropertyType))) yield return t;
            foreach (var method in type.Methods)
            {
                foreach (var t in Expand(method.ReturnType)) yield return t;
                foreach (var t in method.Parameters.SelectMany(p => Expand(p.ParameterType))) yield return t;
                foreach (var t in method.CustomAttributes.SelectMany(a => Expand(a.AttributeType))) yield return t;
                if (!method.HasBody)
                {
                    continue;
                }

                foreach (var t in method.Body.Variables.SelectMany(v => Expand(v.VariableType))) yield return t;
                foreach (var instruction in method.Body.Instructions)
                {
                    var operand = instruction.Operand switch
                    {
                        TypeReference t => Expand(t),
                        MethodReference m => Expand(m.DeclaringType).Concat(Expand(m.ReturnType)).Concat(m.Parameters.SelectMany(p => Expand(p.ParameterType)))
                            .Concat(m is GenericInstanceMethod g ? g.GenericArguments.SelectMany(Expand) : []),
                        FieldReference f => Expand(f.DeclaringType).Concat(Expand(f.FieldType)),
                        _ => [],
                    };
                    foreach (var t in operand) yield return t;
                }
            }
        }
    }

    /// <summary>A type and, for a generic instance, array or by-ref, the types inside it.</summary>
    private static IEnumerable<TypeReference> Expand(TypeReference type)
    {
        yield return type;
        if (type is GenericInstanceType generic)
        {
            foreach (var argument in generic.GenericArguments.SelectMany(Expand))
            {
                yield return argument;
            }
        }

        if (type is TypeSpecification { ElementType: { } element } && element != type)
        {
            foreach (var inner in Expand(element))
            {
                yield return inner;
            }
        }
    }
}

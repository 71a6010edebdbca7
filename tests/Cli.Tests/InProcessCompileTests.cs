using Hoist.Cli.Compiling;
using Hoist.Testing;

namespace Hoist.Cli.Tests;

/// <summary>
/// <c>hoist dev</c>'s in-process compile against <c>dotnet build</c> on the same edited sources: the assemblies must
/// have the same metadata (types, members and their IL, attributes, the generated proxies, dispatch tables and
/// service descriptors).
/// </summary>
public sealed class InProcessCompileTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    // A class service, a method service with [Env] and [Setup], and code that leans on ImplicitUsings (List<T>,
    // Enumerable without a using) and Nullable (annotations, a null-forgiving operator).
    private const string Services = """
        using Hoist;

        namespace ParityApp;

        [Compute(Name = "shouter")]
        public partial class Shouter
        {
            private int _calls;

            public string Shout(string text) => text.ToUpperInvariant() + "!" + ++_calls;
        }

        public static partial class Tools
        {
            [Compute(Name = "tool")]
            [Env("TOOL_MODE", "fast")]
            [Setup("true")]
            public static int Count(string? text) => Words(text).Count;

            private static List<string> Words(string? text) => (text ?? "").Split(' ').Where(w => w.Length > 0).ToList();
        }
        """;

    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <ProjectReference Include="$(RepositoryRoot)src/Runtime/Runtime.csproj" />
            <ProjectReference Include="$(RepositoryRoot)src/Generators/Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
          </ItemGroup>
        </Project>
        """;

    [Fact]
    public async Task TheInProcessCompileOfAnEdit_HasTheMetadataOfDotnetBuildsAssembly()
    {
        using var folder = new TempDirectory();
        var (project, csproj) = await CreateAndBuildAsync(folder.Path);

        var properties = new[] { "-p:BuildProjectReferences=false" };
        var inputs = await CompileInputs.ReadAsync(csproj, HoistProcess.Configuration, properties, CancellationToken.None);
        var warm = WarmCompilation.Create(inputs);
        var first = warm.Emit(CancellationToken.None);
        Assert.True(first.Succeeded, string.Join('\n', first.ErrorLines));
        Assert.Null(CompiledOutput.CompareWithBuild(inputs, first, out _));

        // The edit: a method body, an attribute value and a new member of the class service.
        var services = Path.Combine(project, "Services.cs");
        await File.WriteAllTextAsync(services, Services
            .Replace("\"!\" + ++_calls", "\"?\" + ++_calls", StringComparison.Ordinal)
            .Replace("\"fast\"", "\"slow\"", StringComparison.Ordinal)
            .Replace("    private int _calls;", "    private int _calls;\n\n    public int Calls() => _calls;", StringComparison.Ordinal));
        Assert.True(warm.Update([services]));
        var edited = warm.Emit(CancellationToken.None);
        Assert.True(edited.Succeeded, string.Join('\n', edited.ErrorLines));

        await BuildAsync(project, restore: false);
        var built = AssemblyShape.Read(await File.ReadAllBytesAsync(inputs.IntermediateAssembly));
        var compiled = AssemblyShape.Read(edited.Assembly);
        Assert.Empty(AssemblyShape.Differences(built, compiled));

        // Not an empty comparison: the generated proxy, the dispatch of the new method and both descriptors are in it.
        Assert.Contains(compiled, l => l.StartsWith("method ParityApp.Shouter/", StringComparison.Ordinal) && l.Contains("CallsAsync", StringComparison.Ordinal));
        Assert.Contains(compiled, l => l.StartsWith("type ParityApp.Tools/", StringComparison.Ordinal));
        Assert.Equal(2, compiled.Count(l => l.StartsWith("attribute assembly [Hoist.HoistServiceDescriptorAttribute]", StringComparison.Ordinal)));
        Assert.NotEqual(first.Assembly, edited.Assembly);
    }

    [Fact]
    public async Task ACompileError_IsPrintedAsTheCompilerPrintsIt_AndTheNextGoodSaveCompiles()
    {
        using var folder = new TempDirectory();
        var (project, csproj) = await CreateAndBuildAsync(folder.Path);
        var services = Path.Combine(project, "Services.cs");
        var warm = WarmCompilation.Create(await CompileInputs.ReadAsync(csproj, HoistProcess.Configuration, ["-p:BuildProjectReferences=false"], CancellationToken.None));

        await File.WriteAllTextAsync(services, Services.Replace("++_calls;", "++_calls", StringComparison.Ordinal));
        Assert.True(warm.Update([services]));
        var broken = warm.Emit(CancellationToken.None);
        Assert.False(broken.Succeeded);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(services)}\(10,\d+\): error CS1002: ; expected$", Assert.Single(broken.ErrorLines));

        // A generator's own error comes out the same way, with its HOIST id.
        await File.WriteAllTextAsync(services, Services.Replace("Name = \"tool\"", "Name = \"Not A Name\"", StringComparison.Ordinal));
        Assert.True(warm.Update([services]));
        var refused = warm.Emit(CancellationToken.None);
        Assert.False(refused.Succeeded);
        Assert.Contains(refused.ErrorLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"/Services\.cs\(\d+,\d+\): error HOIST012: "));

        await File.WriteAllTextAsync(services, Services);
        Assert.True(warm.Update([services]));
        Assert.True(warm.Emit(CancellationToken.None).Succeeded);
        Assert.False(warm.Update([services]));
    }

    /// <summary>The project, with the repository's settings, built once: returns its folder and its .csproj.</summary>
    private static async Task<(string Project, string Csproj)> CreateAndBuildAsync(string folder)
    {
        var project = Path.Combine(folder, "ParityApp");
        Directory.CreateDirectory(project);
        ImportRepositorySettings(folder);
        var csproj = Path.Combine(project, "ParityApp.csproj");
        await File.WriteAllTextAsync(csproj, Project);
        await File.WriteAllTextAsync(Path.Combine(project, "Services.cs"), Services);
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), "Console.WriteLine(await ParityApp.Tools.Remote.CountAsync(\"a b\"));\n");
        await BuildAsync(project, restore: true);
        return (project, csproj);
    }

    private static void ImportRepositorySettings(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "Directory.Build.props"),
            $"<Project><Import Project=\"{Path.Combine(Repository.Root, "Directory.Build.props")}\" /></Project>");
        File.WriteAllText(Path.Combine(folder, "Directory.Packages.props"),
            $"<Project><Import Project=\"{Path.Combine(Repository.Root, "Directory.Packages.props")}\" /></Project>");
    }

    private static async Task BuildAsync(string project, bool restore)
    {
        string[] arguments = ["build", "-c", HoistProcess.Configuration, "-nologo", "-v:q", "-nodeReuse:false", "-p:BuildProjectReferences=false", .. restore ? Array.Empty<string>() : ["--no-restore"]];
        var result = await ChildProcess.RunAsync("dotnet", arguments, project, BuildTimeout, new Dictionary<string, string?>
        {
            ["MSBuildExtensionsPath"] = null,
            ["MSBuildSDKsPath"] = null,
            ["MSBUILD_EXE_PATH"] = null,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        });
        Assert.True(result.ExitCode == 0, $"dotnet build exited with {result.ExitCode}:\n{result.Combined}");
    }
}

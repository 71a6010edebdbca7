namespace Hoist.Build.Tests;

/// <summary>
/// The fixture library made a console app, as a new user's project is: an entry point, an appsettings.json with a
/// Hoist override, an appsettings.Production.json, and an appsettings.Development.json the project itself keeps out
/// of the output.
/// </summary>
public sealed class ServiceAppCopy : ServiceLibraryCopy
{
    public const string AppSettings = """{ "Hoist": { "Services": { "scorer": { "MaxScale": 7 } } } }""";

    public const string ProductionSettings = """{ "Logging": { "LogLevel": { "Default": "Warning" } } }""";

    protected override void Prepare()
    {
        var project = Path.Combine(ProjectDirectory, "ServiceLibrary.csproj");
        File.WriteAllText(project, File.ReadAllText(project)
            .Replace("<PropertyGroup>", "<PropertyGroup>\n    <OutputType>Exe</OutputType>", StringComparison.Ordinal)
            .Replace("</Project>", """
                  <ItemGroup>
                    <None Update="appsettings.Development.json" CopyToOutputDirectory="Never" />
                  </ItemGroup>
                </Project>
                """, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(ProjectDirectory, "Program.cs"), "System.Console.WriteLine(\"never run by these tests\");\n");
        File.WriteAllText(Path.Combine(ProjectDirectory, "appsettings.json"), AppSettings);
        File.WriteAllText(Path.Combine(ProjectDirectory, "appsettings.Production.json"), ProductionSettings);
        File.WriteAllText(Path.Combine(ProjectDirectory, "appsettings.Development.json"), "{}");
    }
}

using Hoist.Testing;

namespace Hoist.Packaging.Tests;

/// <summary>
/// <c>hoist dev</c> on a project that takes Hoist as a package, not as project references: the generator comes from
/// the package's analyzers folder, and the in-process compile must still give what <c>dotnet build</c> gives.
/// </summary>
public sealed class DevLoopTests(LocalFeedFixture feed) : IClassFixture<LocalFeedFixture>
{
    private static string Cli => Path.Combine(
        LocalFeedFixture.RepositoryRoot, "src", "Cli", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "Hoist.Cli.dll");

    [Fact]
    public async Task HoistDev_OnAPackageProject_CompilesWhatDotnetBuildCompiles_AndCompilesASaveInProcess()
    {
        var app = Directory.CreateDirectory(Path.Combine(feed.Root, "DevHoist")).FullName;
        await File.WriteAllTextAsync(Path.Combine(app, "DevHoist.csproj"), FreshProjectTests.ProjectFile.Replace("OUTPUT_TYPE", "Exe", StringComparison.Ordinal));
        var program = Path.Combine(app, "Program.cs");
        const string Source = """
            using Hoist;

            await using var hoist = await HoistApplication.StartAsync(args);
            Console.WriteLine(await Greeter.Remote.GreetAsync("world"));

            [Compute(Name = "greeter")]
            public partial class Greeter
            {
                public string Greet(string name) => $"Hello, {name}!";
            }
            """;
        await File.WriteAllTextAsync(program, Source);
        await Dotnet.RunAsync(app, "restore", "--nologo");

        var home = Directory.CreateTempSubdirectory("hoist-dev-home-");
        var environment = new Dictionary<string, string?>
        {
            ["MSBuildExtensionsPath"] = null,
            ["MSBuildSDKsPath"] = null,
            ["MSBUILD_EXE_PATH"] = null,
            ["XDG_RUNTIME_DIR"] = home.FullName,
        };
        try
        {
            using var dev = LineProcess.Start(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", ["exec", Cli, "dev", app, "--local"], app, environment);
            var ready = await dev.WaitForLineAsync("in-process compile ready", TimeSpan.FromMinutes(5));
            Assert.Contains("dotnet build's", ready, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(app, "bin", "Debug", "net10.0", "manifests")), "a dev loop's build wrote manifests");

            await File.WriteAllTextAsync(program, Source.Replace("Hello", "Hi", StringComparison.Ordinal));
            var compiled = await dev.WaitForLineAsync("watching for the next change", TimeSpan.FromMinutes(2));
            Assert.StartsWith("compile ", compiled, StringComparison.Ordinal);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }
}

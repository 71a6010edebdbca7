using System.CommandLine;
using Hoist.Cli.Building;
using Hoist.Manifests;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist manifests [project|assembly] [-o dir] [--image ref]</c>: writes each service's manifest, rendered
/// exactly as <c>hoist deploy</c> would apply it. Needs no cluster; never runs the app's code.
/// </summary>
internal sealed class ManifestsCommand : Command
{
    public const string DefaultOutput = "manifests";

    private readonly Argument<string?> _app = new("app")
    {
        Description = "The app's project (.csproj, built first) or its built assembly (.dll). Default: the project in the current folder.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<string> _output = new("--output", "-o")
    {
        Description = "The folder to write <service>.yaml files to.",
        DefaultValueFactory = _ => DefaultOutput,
    };

    private readonly Option<string?> _image = new("--image")
    {
        Description = "The app's container image the manifests run. Default: HoistImage, Hoist:Kubernetes:Image, or <app>:latest.",
    };

    private readonly Option<string> _configuration = new("--configuration", "-c")
    {
        Description = "The configuration to build a project in.",
        DefaultValueFactory = _ => "Debug",
    };

    public ManifestsCommand(CliContextFactory contexts)
        : base("manifests", "Render every service's Kubernetes manifest to a folder. Works without a cluster.")
    {
        Arguments.Add(_app);
        Options.Add(_output);
        Options.Add(_image);
        Options.Add(_configuration);
        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(string? App, string Output, string? Image, string Configuration);

    public Settings Read(ParseResult parse) =>
        new(parse.GetValue(_app), parse.GetValue(_output) ?? DefaultOutput, parse.GetValue(_image), parse.GetValue(_configuration) ?? "Debug");

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var input = AppInput.Resolve(settings.App);
        var app = await ProjectBuilder.BuildAsync(input, settings.Configuration, context.Error, cancellationToken).ConfigureAwait(false);
        var hoist = context.LoadSettings(app.SettingsDirectory);
        var services = AppServices.Read(app, hoist);
        if (services.Count == 0)
        {
            await context.Output.WriteLineAsync($"{Path.GetFileName(app.AssemblyPath)} declares no Hoist service: no manifests.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var options = ManifestOptionsFactory.Create(hoist.Kubernetes, app.AppName, settings.Image ?? app.ImageProperty, app.NamespaceProperty, EntryAssembly(app), app.SettingsDirectory);

        var files = new List<ManifestFile>();
        foreach (var service in services)
        {
            files.AddRange(Render(service, options));
        }

        // The in-cluster controller, when a service needs one (an autoscaled group, an InactivityTtl), and a
        // kustomization.yaml of every file: the same folder dotnet build writes.
        files = [.. AppManifests.Complete(services, options, files)];

        var output = Path.GetFullPath(settings.Output);
        try
        {
            ManifestFiles.Write(output, files);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write the manifests to {output}: {ex.Message}", "pick another folder with -o");
        }

        await context.Output.WriteLineAsync(
            $"Wrote {files.Count} manifest{(files.Count == 1 ? "" : "s")} to {output}: {string.Join(", ", files.Select(f => f.Name))}").ConfigureAwait(false);
        await context.Output.WriteLineAsync(AppManifests.BeforeApplying(AppManifests.TokenCommands(services, options), options)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Renders one service, turning a value the renderer refuses into an error that names the service.</summary>
    public static IReadOnlyList<ManifestFile> Render(ServiceDescriptor service, ManifestOptions options)
    {
        try
        {
            return ManifestFiles.Render([service], options);
        }
        catch (ServiceSettingsException ex)
        {
            throw AppServices.SettingsRefused(ex);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new CliException(
                $"service '{service.Name}' cannot be rendered: {ex.Message}",
                $"fix its attributes, or its Hoist:Services:{service.Name} settings");
        }
    }

    /// <summary>The built dll's name when the container must run it explicitly, that is when it is not "&lt;app&gt;.dll".</summary>
    public static string? EntryAssembly(BuiltApp app)
    {
        var built = Path.GetFileName(app.AssemblyPath);
        return string.Equals(built, app.AppName + ".dll", StringComparison.Ordinal) ? null : built;
    }
}

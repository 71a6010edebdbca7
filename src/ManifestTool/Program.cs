using Hoist;
using Hoist.Configuration;
using Hoist.ManifestTool;
using Hoist.Manifests;
using Microsoft.Extensions.Configuration;

// Writes <output>/<service>.yaml for every Hoist service in an assembly, from its metadata alone. Exit code 0 on
// success (also when the assembly declares no service), 1 when a diagnostic was an error.
const string Origin = "Hoist.ManifestTool";

CommandLine command;
try
{
    command = CommandLine.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine(ToolDiagnostic.Error(Origin, ToolDiagnostic.BadCommandLine, $"{ex.Message} {CommandLine.Usage}"));
    return 1;
}

IReadOnlyList<ServiceDescriptor> descriptors;
try
{
    descriptors = AssemblyDescriptorReader.Read(command.Assembly);
}
catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or BadImageFormatException)
{
    Console.Error.WriteLine(ToolDiagnostic.Error(command.Assembly, ToolDiagnostic.UnreadableAssembly, ex.Message));
    return 1;
}

// Only the file: the build machine's environment variables must not change what the build writes.
var hoist = new HoistOptions();
if (command.Settings is { } settingsPath)
{
    try
    {
        new ConfigurationBuilder().AddJsonFile(settingsPath, optional: false, reloadOnChange: false).Build()
            .GetSection(HoistOptions.SectionName).Bind(hoist, binder => binder.ErrorOnUnknownConfiguration = true);
    }
    catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException or InvalidOperationException)
    {
        Console.Error.WriteLine(ToolDiagnostic.Error(settingsPath, ToolDiagnostic.BadSettings,
            $"Its Hoist section cannot be read: {ex.Message}{(ex.InnerException is { } inner ? " " + inner.Message : string.Empty)}"));
        return 1;
    }

    foreach (var name in hoist.Services.Keys.Where(name => !descriptors.Any(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))).Order(StringComparer.Ordinal))
    {
        Console.Error.WriteLine(ToolDiagnostic.Warning(settingsPath, ToolDiagnostic.UnknownService,
            $"Hoist:Services:{name} overrides a service that {Path.GetFileName(command.Assembly)} does not declare; its services are: {string.Join(", ", descriptors.Select(d => d.Name))}."));
    }
}

var appName = command.AppName ?? Path.GetFileNameWithoutExtension(command.Assembly);
ManifestOptions options;
try
{
    options = ManifestOptionsFactory.Create(hoist.Kubernetes, appName, command.Image, command.Namespace, settingsFolder: Path.GetDirectoryName(Path.GetFullPath(command.Settings ?? command.Assembly)));
}
catch (PodTemplateException ex)
{
    // Each field Hoist owns, at the template file, with its own ID, as the attributes' rules are reported.
    foreach (var problem in ex.Problems)
    {
        Console.Error.WriteLine(ToolDiagnostic.Error(ex.File, ToolDiagnostic.IdOf(problem), problem));
    }

    return 1;
}

var files = new List<ManifestFile>();
var effective = new List<ServiceDescriptor>();
var failed = false;
foreach (var descriptor in descriptors)
{
    try
    {
        files.AddRange(ManifestFiles.Render([descriptor], options, hoist.Services));
        effective.Add(ManifestFiles.Effective(descriptor, hoist.Services));
    }
    catch (PodTemplateException ex)
    {
        // The template meets a value this service renders otherwise.
        foreach (var problem in ex.Problems)
        {
            Console.Error.WriteLine(ToolDiagnostic.Error(ex.File, ToolDiagnostic.IdOf(problem), problem));
        }

        failed = true;
    }
    catch (ServiceSettingsException ex)
    {
        // The same rules as the attributes, with the ID the generator gives the same value, at the settings file.
        foreach (var problem in ex.Problems)
        {
            Console.Error.WriteLine(ToolDiagnostic.Error(command.Settings ?? command.Assembly, ToolDiagnostic.IdOf(problem), problem));
        }

        failed = true;
    }
    catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or OverflowException)
    {
        Console.Error.WriteLine(ToolDiagnostic.Error(command.Settings ?? command.Assembly, ToolDiagnostic.RenderFailed,
            $"Service '{descriptor.Name}' cannot be rendered: {ex.Message}"));
        failed = true;
    }
}

if (failed)
{
    return 1;
}

// What hoist manifests writes too: the controller when a service needs it, and a kustomization.yaml of every file.
var all = files.Count > 0 ? AppManifests.Complete(effective, options, files) : [];
var written = all.Count > 0 ? ManifestFiles.Write(command.Output, all) : [];

// A manifest the last run wrote and this one did not (a service renamed or removed) would be applied by mistake.
if (command.Stamp is { } stamp)
{
    var current = new HashSet<string>(written, StringComparer.Ordinal);
    if (File.Exists(stamp))
    {
        foreach (var previous in File.ReadAllLines(stamp).Where(line => line.Length > 0 && !current.Contains(line) && File.Exists(line)))
        {
            File.Delete(previous);
        }
    }

    Directory.CreateDirectory(Path.GetDirectoryName(stamp)!);
    File.WriteAllLines(stamp, written);

    // Files the settings name, which the build cannot find in the JSON itself: a change to one re-renders too.
    File.WriteAllLines(stamp + ".inputs", options.PodTemplate is { } template ? [template.File] : []);
}

Console.WriteLine(written.Count == 0
    ? $"{Path.GetFileName(command.Assembly)} declares no Hoist service: no manifests."
    : $"Wrote {written.Count} manifest{(written.Count == 1 ? "" : "s")} to {command.Output}: {string.Join(", ", all.Select(f => f.Name))}. "
      + AppManifests.BeforeApplying(AppManifests.TokenCommands(effective, options), options));
return 0;

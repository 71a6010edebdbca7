using Hoist.Hosting;
using Microsoft.Extensions.Configuration;
using Hoist.Configuration;

namespace Hoist.Cli;

/// <summary>What every command gets: where to write, the global options, and the clock.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error, GlobalOptions global, TimeProvider time)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public GlobalOptions Global { get; } = global;

    public TimeProvider Time { get; } = time;

    /// <summary>
    /// The app's Hoist settings as the app itself would read them: <c>appsettings.json</c> in
    /// <paramref name="directory"/> (the project's, or the current one), then environment variables such as
    /// <c>Hoist__Kubernetes__Namespace</c> or <c>Hoist__Services__embed__MaxScale</c>, then the global options.
    /// </summary>
    public HoistOptions LoadSettings(string? directory = null) => Bind(LoadConfiguration(directory));

    /// <summary>The configuration <see cref="LoadSettings"/> binds, for code that takes an <see cref="IConfiguration"/>.</summary>
    public IConfiguration LoadConfiguration(string? directory = null) => BuildConfiguration(directory ?? Directory.GetCurrentDirectory());

    /// <summary>The <c>Hoist</c> section of <paramref name="configuration"/>, with the global options applied.</summary>
    public HoistOptions Bind(IConfiguration configuration)
    {
        var options = new HoistOptions();
        try
        {
            configuration.GetSection(HoistOptions.SectionName).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(
                $"the Hoist configuration section cannot be read: {ex.Message}{(ex.InnerException is { } inner ? " " + inner.Message : "")}",
                "fix the Hoist section of appsettings.json or the Hoist__* environment variables");
        }

        Global.ApplyTo(options.Kubernetes);
        return options;
    }

    private static IConfiguration BuildConfiguration(string directory)
    {
        var builder = new ConfigurationBuilder();
        var file = Path.Combine(directory, "appsettings.json");
        if (File.Exists(file))
        {
            try
            {
                builder.AddJsonFile(file, optional: true, reloadOnChange: false);
                builder.Build();
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException)
            {
                throw new CliException($"{file} cannot be read: {ex.Message}", "fix the JSON in that file, or move it aside");
            }
        }

        return builder.AddEnvironmentVariables().Build();
    }
}

/// <summary>The options every command takes: which cluster and which namespace.</summary>
internal sealed record GlobalOptions(string? Namespace, string? Kubeconfig, string? Context)
{
    public static GlobalOptions None { get; } = new(null, null, null);

    /// <summary>A value given on the command line wins over the configuration's.</summary>
    public void ApplyTo(KubernetesBackendOptions options)
    {
        if (Namespace is { Length: > 0 } ns)
        {
            options.Namespace = ns;
        }

        if (Kubeconfig is { Length: > 0 } kubeconfig)
        {
            options.Kubeconfig = Path.GetFullPath(kubeconfig);
        }

        if (Context is { Length: > 0 } context)
        {
            options.Context = context;
        }
    }
}

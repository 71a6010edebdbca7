using System.CommandLine;
using Hoist.Backends.Kubernetes;
using Hoist.Cli.Building;
using Hoist.Cli.Cluster;
using Hoist.Hosting;
using Hoist.Manifests;
using k8s;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Cli.Commands;

/// <summary>
/// <c>hoist deploy [project]</c>: builds the app's container image onto each service's base image with the .NET
/// SDK's container support, pushes it, applies the manifests with server-side apply, and waits until every
/// service is ready, or fails with the reason its pods give.
/// </summary>
internal sealed class DeployCommand : Command
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RepeatUnchangedEvery = TimeSpan.FromSeconds(20);
    private const int PollsBetweenDiagnoses = 5;

    private readonly Argument<string?> _project = new("project")
    {
        Description = "The app's project (.csproj). Default: the project in the current folder.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<string?> _registry = new("--registry")
    {
        Description = "Where to push the image: host[:port][/path], e.g. ghcr.io/you. Default: the registry of Hoist:Kubernetes:Image.",
    };

    private readonly Option<string?> _tag = new("--tag")
    {
        Description = "The image tag. Default: the tag of Hoist:Kubernetes:Image, else the time (yyyyMMdd-HHmmss).",
    };

    private readonly Option<string[]> _services = new("--service", "-s")
    {
        Description = "Deploy only this service (repeatable). Default: every service.",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _image = new("--image")
    {
        Description = "Deploy this already-built image of the app instead of building one.",
    };

    private readonly Option<bool> _noWait = new("--no-wait")
    {
        Description = "Apply and return without waiting for the services to become ready.",
    };

    public DeployCommand(CliContextFactory contexts)
        : base("deploy", "Build and push the app's container image, apply its manifests, and wait until its services are ready.")
    {
        Arguments.Add(_project);
        Options.Add(_registry);
        Options.Add(_tag);
        Options.Add(_services);
        Options.Add(_image);
        Options.Add(_noWait);
        SetAction((parse, cancellationToken) => RunAsync(contexts.Create(parse), Read(parse), cancellationToken));
    }

    public sealed record Settings(string? Project, string? Registry, string? Tag, IReadOnlyList<string> Services, string? Image, bool NoWait);

    public Settings Read(ParseResult parse) => new(
        parse.GetValue(_project),
        parse.GetValue(_registry),
        parse.GetValue(_tag),
        parse.GetValue(_services) ?? [],
        parse.GetValue(_image),
        parse.GetValue(_noWait));

    /// <summary>A service applied to the cluster, to wait for.</summary>
    private sealed record Applied(ServiceDescriptor Descriptor, ServiceLayout Layout, long AppliedAt);

    public static async Task<int> RunAsync(CliContext context, Settings settings, CancellationToken cancellationToken)
    {
        var input = AppInput.Resolve(settings.Project, projectOnly: settings.Image is null);
        var hoist = context.LoadSettings(Path.GetDirectoryName(input.Path));

        // Before a build that may take minutes: is there a cluster at all?
        using var target = ClusterAccess.Connect(hoist.Kubernetes, context.Error);
        await target.Cluster.Api.Version.GetCodeAsync(cancellationToken).ConfigureAwait(false);

        var app = await ProjectBuilder.BuildAsync(input, "Release", context.Error, cancellationToken).ConfigureAwait(false);
        AssemblyFacts.RequireApp(app, "deploy");
        var services = AppServices.Select(AppServices.Read(app, hoist), settings.Services, app.AssemblyPath);

        // Also before the build: would Knative accept what it is about to get? (The image does not change that.)
        foreach (var service in services)
        {
            var options = ManifestOptionsFor(hoist, app, settings.Image ?? hoist.Kubernetes.Image ?? ContainerImages.Repository(app.AppName), target.Namespace);
            await ServiceRollout.RefuseWhatKnativeWouldRefuseAsync(target.Cluster, service.Name, RenderObjects(service, options), cancellationToken).ConfigureAwait(false);
        }

        // Per service: the pushed digest when the SDK names one; else the app image, from which each service's own
        // follows by ServiceImages.For (a service on another base runs the image named after it, which the build pushed).
        var images = settings.Image is { Length: > 0 } given
            ? services.ToDictionary(s => s.Name, _ => given, StringComparer.Ordinal)
            : await BuildImagesAsync(context, settings, hoist, app, services, cancellationToken).ConfigureAwait(false);

        var applied = await ApplyAsync(context, target, hoist, app, services, images, cancellationToken).ConfigureAwait(false);
        if (settings.NoWait)
        {
            await context.Output.WriteLineAsync($"Applied {Names(services)} to namespace {target.Namespace}; hoist status shows when they are ready.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await WaitUntilReadyAsync(context, target.Cluster, hoist.Kubernetes, applied, cancellationToken).ConfigureAwait(false);
        await context.Output.WriteLineAsync($"Deployed {Names(services)} to namespace {target.Namespace}.").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Where the images go: --registry, else Hoist:Kubernetes:Image's registry and repository; the tag likewise.</summary>
    public static (string Registry, string Repository, string Tag) ImageTarget(string? registryOption, string? tagOption, string? configuredImage, string appName, DateTimeOffset now)
    {
        if (registryOption is { Length: > 0 })
        {
            (string Registry, string Prefix) parsed;
            try
            {
                parsed = ContainerImages.ParseRegistry(registryOption);
            }
            catch (FormatException ex)
            {
                throw new CliException(ex.Message, "pass --registry host[:port][/path], e.g. --registry ghcr.io/you", ExitCodes.Usage);
            }

            var repository = ContainerImages.Repository(appName);
            return (parsed.Registry, parsed.Prefix.Length > 0 ? $"{parsed.Prefix}/{repository}" : repository, tagOption ?? ContainerImages.DefaultTag(now));
        }

        if (configuredImage is { Length: > 0 })
        {
            var (registry, repository, tag) = ContainerImages.ParseImage(configuredImage);
            if (registry is not null)
            {
                return (registry, repository, tagOption ?? tag ?? ContainerImages.DefaultTag(now));
            }
        }

        throw new CliException(
            "no container registry to push the app's image to",
            "pass --registry host/path (e.g. ghcr.io/you), set Hoist:Kubernetes:Image to registry/app:tag, or pass --image with an image the cluster can pull",
            ExitCodes.Usage);
    }

    private static async Task<Dictionary<string, string>> BuildImagesAsync(
        CliContext context, Settings settings, HoistOptions hoist, BuiltApp app, IReadOnlyList<ServiceDescriptor> services, CancellationToken cancellationToken)
    {
        var (registry, repository, tag) = ImageTarget(settings.Registry, settings.Tag, hoist.Kubernetes.Image, app.AppName, context.Time.GetUtcNow());
        var appImage = new ImageName(registry is { Length: > 0 } ? registry : null, repository, tag).Reference;
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var build in ContainerImages.Plan(services, registry, repository, tag, hoist.Kubernetes.RuntimeIdentifier))
        {
            await context.Error.WriteLineAsync(
                $"Publishing {build.Image} onto {build.BaseImage}{(build.SelfContained ? $" (self-contained {build.RuntimeIdentifier}: the base image has no .NET)" : "")} for {string.Join(", ", build.Services)}...").ConfigureAwait(false);
            var digest = await PublishAsync(app, build, cancellationToken).ConfigureAwait(false);
            var pinned = ContainerImages.PinnedReference(build.Image, digest);
            await context.Error.WriteLineAsync(digest is null
                ? $"Pushed {build.Image} (the SDK reported no digest: the pods pull it by tag, so they roll only when the tag is new)"
                : $"Pushed {build.Image} as {pinned}").ConfigureAwait(false);
            foreach (var service in build.Services)
            {
                images[service] = digest is null ? appImage : pinned;
            }
        }

        return images;
    }

    /// <summary>Publishes and pushes one image; the digest of what was pushed, or null when the SDK names none.</summary>
    private static async Task<string?> PublishAsync(BuiltApp app, ImageBuild build, CancellationToken cancellationToken)
    {
        var resultFile = Path.Combine(Path.GetTempPath(), $"hoist-publish-{Guid.NewGuid():N}.json");
        try
        {
            var result = await DotnetProcess.RunAsync(ContainerImages.PublishArguments(app.ProjectPath!, build, resultFile), app.SettingsDirectory, null, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw new CliException(new CliError(
                    $"dotnet publish -t:PublishContainer failed for {build.Image} (exit code {result.ExitCode})",
                    "the lines above say why; pushing needs 'docker login' (or the registry's credentials) for the registry, and pulling the base image needs network access to its registry")
                {
                    Details = result.ErrorLines(),
                });
            }

            return File.Exists(resultFile) ? ContainerImages.ReadDigest(await File.ReadAllTextAsync(resultFile, cancellationToken).ConfigureAwait(false)) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
        finally
        {
            File.Delete(resultFile);
        }
    }

    private static async Task<IReadOnlyList<Applied>> ApplyAsync(
        CliContext context, ClusterTarget target, HoistOptions hoist, BuiltApp app, IReadOnlyList<ServiceDescriptor> services, IReadOnlyDictionary<string, string> images, CancellationToken cancellationToken)
    {
        var cluster = target.Cluster;
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        var applied = new List<Applied>();
        foreach (var service in services)
        {
            var options = ManifestOptionsFor(hoist, app, images[service.Name], target.Namespace);
            var objects = RenderObjects(service, options);
            var ns = ServiceLayout.From(service, objects).Namespace;
            if (!tokens.TryGetValue(ns, out var token))
            {
                token = await ServiceRollout.TokenAsync(cluster, ns, options, hoist.Token, cancellationToken).ConfigureAwait(false);
                tokens[ns] = token;
            }

            var layout = await ServiceRollout.ApplyAsync(cluster, service, objects, options, token, context.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"{service.Name}: applied {layout.WorkloadKind.Resource.Kind} {layout.WorkloadName} in namespace {layout.Namespace} ({ServiceImages.For(options.Image, service.Compute.Image)})").ConfigureAwait(false);
            applied.Add(new Applied(service, layout, context.Time.GetTimestamp()));
        }

        // The in-cluster controller, in the image pushed for the service it runs as, when a service needs it.
        var host = ControllerManifests.Host(services);
        foreach (var controllerObject in ControllerManifests.For(services, ManifestOptionsFor(hoist, app, images[host.Name], target.Namespace)))
        {
            // It holds calls only for the app's token, read when it starts: a new token restarts it, as it does the workers.
            if (tokens.TryGetValue(controllerObject.Metadata.NamespaceProperty, out var token))
            {
                DeployTimeAnnotations.StampToken(controllerObject, DeployTimeAnnotations.Digest(token));
            }

            await cluster.ApplyAsync(controllerObject, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"applied the Hoist controller's {controllerObject.Kind} {controllerObject.Metadata.Name} in namespace {controllerObject.Metadata.NamespaceProperty}").ConfigureAwait(false);
        }

        return applied;
    }

    /// <summary>
    /// The renderer's options for one service as deploy applies it: the image pushed for it, by digest, or the app image
    /// its own image follows from (ServiceImages.For); the cluster's namespace.
    /// </summary>
    public static ManifestOptions ManifestOptionsFor(HoistOptions hoist, BuiltApp app, string image, string @namespace) =>
        ManifestOptionsFactory.Create(hoist.Kubernetes, app.AppName, image, @namespace, ManifestsCommand.EntryAssembly(app), app.SettingsDirectory);

    private static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> RenderObjects(ServiceDescriptor service, ManifestOptions options)
    {
        try
        {
            return ManifestRenderer.Render(service, options);
        }
        catch (ServiceSettingsException ex)
        {
            throw AppServices.SettingsRefused(ex);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new CliException($"service '{service.Name}' cannot be rendered: {ex.Message}", $"fix its attributes, or its Hoist:Services:{service.Name} settings");
        }
    }

    /// <summary>
    /// Polls every service until it is ready, printing a progress line whenever one changes. A service that is
    /// not ready within its LaunchTimeout, or whose failure waiting cannot fix, fails the deploy with the diagnosis.
    /// </summary>
    private static async Task WaitUntilReadyAsync(CliContext context, ClusterClient cluster, KubernetesBackendOptions options, IReadOnlyList<Applied> applied, CancellationToken cancellationToken)
    {
        var pending = applied.ToList();
        var lastLine = new Dictionary<string, (string Line, long At)>(StringComparer.Ordinal);
        for (var poll = 1; pending.Count > 0; poll++)
        {
            var events = new Dictionary<string, IReadOnlyList<Corev1Event>>(StringComparer.Ordinal);
            foreach (var service in pending.ToArray())
            {
                var layout = service.Layout;
                var readiness = await cluster.ReadReadinessAsync(layout.WorkloadKind, layout.Namespace, layout.WorkloadName, cancellationToken).ConfigureAwait(false);
                var elapsed = context.Time.GetElapsedTime(service.AppliedAt);
                if (readiness is { IsReady: true })
                {
                    await context.Output.WriteLineAsync(DeployProgress.Ready(service.Descriptor.Name, readiness, elapsed)).ConfigureAwait(false);
                    pending.Remove(service);
                    continue;
                }

                var pods = await cluster.ListPodsAsync(layout.Namespace, layout.PodSelector, cancellationToken).ConfigureAwait(false);
                if (!events.TryGetValue(layout.Namespace, out var nsEvents))
                {
                    nsEvents = await cluster.ListEventsAsync(layout.Namespace, cancellationToken).ConfigureAwait(false);
                    events[layout.Namespace] = nsEvents;
                }

                var line = DeployProgress.Line(new ServiceProgress(service.Descriptor.Name, readiness, pods, DeployProgress.Latest(nsEvents, layout.WorkloadName, pods)));
                var now = context.Time.GetTimestamp();
                if (!lastLine.TryGetValue(service.Descriptor.Name, out var last) || last.Line != line || context.Time.GetElapsedTime(last.At) >= RepeatUnchangedEvery)
                {
                    await context.Output.WriteLineAsync($"{line} [{DeployProgress.Age(elapsed)}]").ConfigureAwait(false);
                    lastLine[service.Descriptor.Name] = (line, now);
                }

                var launchTimeout = TimeSpan.FromSeconds(service.Descriptor.Compute.LaunchTimeout);
                var timedOut = elapsed >= launchTimeout;
                if (timedOut || poll % PollsBetweenDiagnoses == 0)
                {
                    var diagnosis = LaunchFailureDiagnosis.Explain(pods, nsEvents, layout.WorkloadName);
                    if (timedOut || diagnosis.IsPermanent)
                    {
                        var log = diagnosis.WantsLog
                            ? await cluster.ReadLogTailAsync(layout.Namespace, diagnosis.Pod!, diagnosis.Container!, options.LogLinesInErrors, cancellationToken).ConfigureAwait(false)
                            : null;
                        throw LaunchFailed(service.Descriptor.Name, launchTimeout, diagnosis, log, readiness);
                    }
                }
            }

            if (pending.Count > 0)
            {
                await Task.Delay(PollInterval, context.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The launch diagnosis as one error line, with the crashing container's last lines above it.</summary>
    public static CliException LaunchFailed(string service, TimeSpan launchTimeout, LaunchDiagnosis diagnosis, string? log, Readiness? readiness)
    {
        var message = LaunchFailureDiagnosis.Message(service, launchTimeout, diagnosis, logTail: null, readiness?.Detail);
        var hint = diagnosis.ViolatesPodSecurity
            ? "the namespace enforces a Pod Security level: Hoist's pods meet \"restricted\" on a .NET base image; a base image that runs as root needs the namespace at \"baseline\" (pod-security.kubernetes.io/enforce)"
            : diagnosis.Kind switch
            {
                LaunchFailureKind.ImagePull => "check that the image exists and that the cluster may pull it (imagePullSecrets for a private registry)",
                LaunchFailureKind.Unschedulable => "no node has the requested CPUs, memory or GPUs: lower [Compute] or add nodes",
                LaunchFailureKind.CrashLoop => $"the worker's last lines are above; hoist logs {service} shows more",
                LaunchFailureKind.ContainerConfig => "a Secret or ConfigMap the pod needs is missing: kubectl describe pod shows which",
                _ => $"hoist status {service} shows its pods; raise [Compute(LaunchTimeout)] if it is only slow",
            };
        var details = log is { Length: > 0 }
            ? log.ReplaceLineEndings("\n").TrimEnd().Split('\n').Prepend($"Last lines of {diagnosis.Pod}/{diagnosis.Container}:").ToArray()
            : [];
        return new CliException(new CliError(message, hint) { Details = details });
    }

    private static string Names(IReadOnlyList<ServiceDescriptor> services) => string.Join(", ", services.Select(s => s.Name));
}

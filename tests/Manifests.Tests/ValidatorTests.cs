using System.Diagnostics;

namespace Hoist.Manifests.Tests;

/// <summary>Runs the repository's schema check (Kubernetes, Knative and KubeRay schemas, tests/SchemaCheck) over every rendered kind and the in-cluster controller.</summary>
public sealed class ValidatorTests
{
    [Fact]
    public async Task EveryRenderedKind_PassesValidateManifests()
    {
        var missing = new[] { "node", "npm" }.Where(tool => !OnPath(tool)).ToArray();
        Assert.True(missing.Length == 0,
            $"validate-manifests needs {string.Join(" and ", missing)} on PATH, and it is missing here: CI must install node and npm before running the tests.");
        Assert.True(File.Exists(RepositoryPaths.Validator), $"The schema check is not at {RepositoryPaths.Validator} (tests/SchemaCheck in the repository).");

        var directory = Directory.CreateTempSubdirectory("hoist-manifests-");
        try
        {
            foreach (var (kind, descriptor) in Samples.Kinds)
            {
                await File.WriteAllTextAsync(Path.Combine(directory.FullName, kind + ".yaml"), ManifestYaml.Serialize(ManifestRenderer.Render(descriptor, Samples.OptionsFor(kind))));
            }

            await File.WriteAllTextAsync(Path.Combine(directory.FullName, ControllerManifests.FileName), ControllerManifests.File([.. Samples.Kinds.Values], Samples.Options)!.Content);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "token-secret.yaml"), ManifestYaml.Serialize([ManifestRenderer.RenderTokenSecret(Samples.Options, "not-a-real-token")]));

            var (exitCode, output) = await RunAsync("bash", RepositoryPaths.Validator, directory.FullName);

            Assert.True(exitCode == 0, $"validate-manifests exited with {exitCode}:\n{output}");
            Assert.DoesNotContain("INVALID", output, StringComparison.Ordinal);
            Assert.DoesNotContain("UNCHECKED", output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("validate-manifests did not finish within 5 minutes (its first run installs npm packages).");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}

using System.Collections.Concurrent;
using Hoist.Manifests;
using Hoist.TestApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// [Env] and [Secret] on the local backend: the method sees both; the secret's value, from the caller's
/// configuration, is in no log line, no error and no inherited configuration of the worker.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class EnvironmentTests
{
    // Through the caller's environment, as `Hoist__Secrets__<name>__<key>` would be set in a shell.
    private const string SecretVariable = "Hoist__Secrets__test-credentials__token";
    private const string SecretValue = "s3cr3t-only-for-the-method-7f2c";

    [Fact]
    public async Task EnvAndSecret_ReachTheMethod_AndTheSecretValueIsInNoLogNorInheritedConfiguration()
    {
        var captured = new CapturingLoggerProvider();
        Environment.SetEnvironmentVariable(SecretVariable, SecretValue);
        try
        {
            await using var app = await StartAsync(captured);
            var configured = Configured.Remote.WithInvoker(app.Client);

            Assert.Equal("hello from [Env]", await configured.ReadAsync("GREETING"));
            Assert.Equal(string.Empty, await configured.ReadAsync("EMPTY_ON_PURPOSE"));
            Assert.Equal(SecretValue, await configured.ReadAsync("TEST_TOKEN"));
            Assert.Empty(await configured.InheritedSecretConfigurationAsync());

            // The app's build-time descriptor and its manifests name the secret and key, never the value.
            var descriptor = Assert.Single(AssemblyDescriptorReader.Read(typeof(Configured).Assembly.Location), d => d.Name == "configured");
            var yaml = ManifestYaml.Serialize(ManifestRenderer.Render(descriptor, new ManifestOptions { AppName = "TestApp", Image = "registry.example/testapp:1" }));
            Assert.Contains("name: test-credentials", yaml, StringComparison.Ordinal);
            Assert.DoesNotContain(SecretValue, yaml, StringComparison.Ordinal);
            Assert.DoesNotContain(SecretValue, ServiceDescriptorJson.Serialize(descriptor), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SecretVariable, null);
        }

        Assert.NotEmpty(captured.Lines);
        Assert.DoesNotContain(captured.Lines, l => l.Text.Contains(SecretValue, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMissingSecret_FailsTheLaunch_NamingTheSecretAndKey()
    {
        var captured = new CapturingLoggerProvider();
        await using var app = await StartAsync(captured);

        var error = await Assert.ThrowsAsync<WorkerLaunchException>(() => Unconfigured.Remote.WithInvoker(app.Client).PingAsync());

        Assert.Equal("unconfigured", error.Service);
        Assert.Contains("key 'password' of secret 'absent-credentials' (for DB_PASSWORD)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Hoist:Secrets:absent-credentials:password", error.Message, StringComparison.Ordinal);
    }

    private static Task<HoistApplication> StartAsync(CapturingLoggerProvider captured) =>
        HoistApplication.StartAsync([], builder =>
        {
            builder.Logging.AddProvider(captured);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.AddHoist();
        });
}

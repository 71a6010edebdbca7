using System.Collections.Concurrent;
using Hoist.Configuration;
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

    [Fact]
    public async Task APodOfAnOrdinalBlock_DerivesItsRankVariablesAtStartUp_AndItsChildProcessesInheritThem()
    {
        // What the pod spec of a StatefulSet of ordinal blocks gives pod 5 of groups of 2 ranks (docs/kubernetes.md,
        // "Groups that scale out"); a real worker process started with them, as the kubelet would start it.
        var pod = new Dictionary<string, string>
        {
            [WorkerEnvironment.PodIndex] = "5",
            [WorkerEnvironment.GroupSize] = "2",
            [WorkerEnvironment.Distribution] = "tensorflow",
            [WorkerEnvironment.RankAddress] = "infer-{ordinal}.infer-headless.ml.svc.cluster.local",
            [WorkerEnvironment.RendezvousPort] = "29500",
            [SecretVariable] = SecretValue,     // the service's [Secret], which its launch needs
        };
        foreach (var (name, value) in pod)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            await using var app = await StartAsync(new CapturingLoggerProvider());
            var configured = Configured.Remote.WithInvoker(app.Client);

            // Group 2 (ordinals 4 and 5), rank 1, its rendezvous at ordinal 4.
            Assert.Equal("1", await configured.ReadAsync("RANK"));
            Assert.Equal("2", await configured.ReadAsync("WORLD_SIZE"));
            Assert.Equal("infer-4.infer-headless.ml.svc.cluster.local", await configured.ReadAsync("MASTER_ADDR"));
            Assert.Equal("29500", await configured.ReadAsync("MASTER_PORT"));
            Assert.Equal(
                "{\"cluster\":{\"worker\":[\"infer-4.infer-headless.ml.svc.cluster.local:29500\",\"infer-5.infer-headless.ml.svc.cluster.local:29500\"]},\"task\":{\"type\":\"worker\",\"index\":1}}",
                await configured.ReadAsync("TF_CONFIG"));
            Assert.Equal("1 infer-4.infer-headless.ml.svc.cluster.local", await configured.ReadInChildAsync("RANK") + " " + await configured.ReadInChildAsync("MASTER_ADDR"));
        }
        finally
        {
            foreach (var name in pod.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    private static Task<HoistApplication> StartAsync(CapturingLoggerProvider captured) =>
        HoistApplication.StartAsync([], builder =>
        {
            builder.Logging.AddProvider(captured);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.AddHoist();
        });
}

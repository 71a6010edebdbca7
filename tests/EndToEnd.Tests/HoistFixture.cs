using Hoist.Backends.Local;
using Hoist.Client;
using Hoist.Transport;

namespace Hoist.EndToEnd.Tests;

/// <summary>
/// One Hoist caller for the whole collection: workers are real processes of Hoist.TestApp on loopback.
/// Tests pass its client to the proxies explicitly, so nothing depends on the process-wide default.
/// </summary>
public sealed class HoistFixture : IAsyncLifetime
{
    public const int MaxRequestBytes = 4 * 1024 * 1024;

    public HoistApplication App { get; private set; } = null!;

    public HoistClient Client => App.Client;

    internal LocalBackend Backend => (LocalBackend)Client.Backend;

    public async Task InitializeAsync()
    {
        // The test app's services register when its module initializer runs, which in the app itself is
        // before Main; here, nothing may have touched the assembly yet.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(TestApp.Probe).Module.ModuleHandle);
        App = await HoistApplication.StartAsync([], o => o.MaxRequestBytes = MaxRequestBytes);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    internal async Task<WorkerEndpoint> EndpointOfAsync(string service)
    {
        var deployment = await Backend.GetDeploymentAsync(service, CancellationToken.None);
        return deployment.Endpoints[0];
    }
}

[CollectionDefinition(Name)]
public sealed class WorkersCollection : ICollectionFixture<HoistFixture>
{
    public const string Name = "workers";
}

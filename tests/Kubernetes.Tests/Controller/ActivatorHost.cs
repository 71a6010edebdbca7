using System.Net;
using Hoist.Backends.Kubernetes.Controller;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Hoist.Backends.Kubernetes;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// The controller's own gRPC host (<see cref="ControllerHost"/>) on a loopback port, serving the real
/// <see cref="ActivatorService"/> over a scripted <see cref="IWorkloadActivator"/>: the controller's seam, so no
/// Kubernetes API is involved, faked or otherwise.
/// </summary>
internal sealed class ActivatorHost : IAsyncDisposable
{
    public const string Namespace = "ml";
    public const string App = "MyApp";

    /// <summary>The app's call token the host's controller holds calls for.</summary>
    public const string Token = "4f3c2b1a-activator-test-token";

    /// <summary>The headers of a caller that has the app's token.</summary>
    public static Grpc.Core.Metadata Authorized => new() { { Protocol.WorkerProtocol.TokenHeader, Token } };

    private readonly WebApplication _app;

    private ActivatorHost(WebApplication app, Uri address) => (_app, Address) = (app, address);

    public Uri Address { get; }

    public static async Task<ActivatorHost> StartAsync(Func<string, CancellationToken, Task<WorkloadActivation>> activate, bool isLeader = true)
    {
        var builder = ControllerHost.CreateBuilder([], IPAddress.Loopback, 0);
        builder.Logging.ClearProviders();
        builder.Services.AddOptions<ScalingControllerOptions>().Configure(o => (o.Namespace, o.AppName, o.CallToken) = (Namespace, App, Token));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IWorkloadActivator>(new ScriptedActivator(activate, isLeader));
        var app = builder.Build();
        await ControllerHost.StartAsync(app, CancellationToken.None);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ActivatorHost(app, new Uri(bound));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class ScriptedActivator(Func<string, CancellationToken, Task<WorkloadActivation>> activate, bool isLeader) : IWorkloadActivator
    {
        public bool IsLeader => isLeader;

        public Task<WorkloadActivation> ActivateAsync(string service, CancellationToken cancellationToken) => activate(service, cancellationToken);
    }
}

using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Hoist.Dispatch;
using Hoist.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Hoist.Worker;

/// <summary>
/// The worker role of a Hoist executable: a Kestrel gRPC host that serves one service. Backends start the
/// app's own executable with <c>HOIST_ROLE=worker</c>, and <c>HoistApplication.StartAsync</c> lands here.
/// </summary>
public static class HoistWorker
{
    /// <summary>Serves until the backend stops this worker (SIGTERM, stdin closed, or the parent gone).</summary>
    public static async Task RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        // A rank of a StatefulSet whose ordinal blocks are groups: its RANK, MASTER_ADDR, TF_CONFIG... depend on its pod
        // index divided by the group size, which a kubelet cannot compute. Set here, before any user code, so the
        // worker reads RANK below and the processes it starts (torch.distributed in python) inherit them all.
        if (WorkerEnvironment.GroupRankVariables() is { } rankVariables)
        {
            foreach (var (name, value) in rankVariables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        var environment = WorkerEnvironment.FromEnvironment();

        // Read once: the processes this worker starts (setup tools, torch's own workers, user code) never inherit it.
        Transport.UnixFiles.RemoveFromEnvironment(WorkerEnvironment.Token);
        var registration = FindService(environment);

        var logs = new WorkerLogBuffer(environment);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        builder.Logging.ClearProviders();
        var inPod = environment.ParentProcessId is null && environment.WarmTtl is null;
        if (inPod)
        {
            // In a pod: log records go to the console for the cluster's log tooling.
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

            // In a pod the calls in flight finish however long they take: kubelet's SIGKILL after the rendered
            // terminationGracePeriodSeconds (at least Hoist:Kubernetes:StopTimeout) bounds the drain, not .NET's 30 s.
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        }

        if (inPod || environment.WarmTtl is not null)
        {
            // The console is teed into the log stream, so a caller sees the same lines over StreamLogs: in a pod, beside
            // the cluster's log tooling; in a warm worker, which outlives the app that started it, because the next app to
            // attach has no pipe to read (after the ready line its console goes nowhere else).
            ConsoleTee.Install(logs);
        }

        // Under the local backend, log records reach the caller over StreamLogs with their level and
        // category; stdout and stderr reach it through the process's pipes.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);

        // With any logger enabled for this category, ASP.NET Core starts an Activity and a log scope for
        // every request; a worker's per-call cost should be the call, so it is off.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        var options = builder.Configuration.GetSection(HoistOptions.SectionName).Get<HoistOptions>() ?? new HoistOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            if (environment.SocketPath is { } socket)
            {
                // A socket file left by a worker that was killed would make the bind fail.
                File.Delete(socket);
                kestrel.ListenUnixSocket(socket, listen => listen.Protocols = HttpProtocols.Http2);
            }
            else
            {
                var address = IPAddress.Parse(environment.ListenAddress);
                if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
                {
                    // Every address of the pod, IPv6 and IPv4 (dual-stack, falling back to IPv4 where the node has no
                    // IPv6), so probes and callers reach it on single-stack IPv6 clusters too.
                    kestrel.ListenAnyIP(environment.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
                }
                else
                {
                    kestrel.Listen(address, environment.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
                }
            }
        });

        // Each call's server span, metrics and log records go wherever the caller's OTEL_EXPORTER_OTLP_* point.
        if (Telemetry.OtlpExport.IsConfigured(builder.Configuration))
        {
            Telemetry.OtlpExport.Add(builder.Services, environment.ServiceName, environment.ReplicaName);
        }

        builder.Services.AddSingleton(environment);
        builder.Services.AddSingleton(logs);
        builder.Services.AddSingleton<ILoggerProvider, WorkerLogBufferProvider>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxRequestBytes;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton<HealthServiceImpl>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services => new ServiceCode(
            new CodeGeneration(0, AppContext.BaseDirectory, registration.CreateDispatcher(services), context: null, manifest: null),
            services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(new CallSlots(environment.ContainerConcurrency));
        builder.Services.AddSingleton<CodeLoader>();
        builder.Services.AddSingleton<CallerToken>();
        if (environment.SocketPath is { } grpcSocket && Transport.CallSocket.PathFor(grpcSocket) is { } callSocket)
        {
            // Beside the gRPC socket, the call socket: the same call stream as plain frames (src/Wire/Transport/CallSocket.cs).
            builder.Services.AddSingleton(new CallSocketOptions(callSocket, options.MaxRequestBytes));
            builder.Services.AddHostedService<CallSocketServer>();
        }
        if (environment.ParentProcessId is { } parent)
        {
            builder.Services.AddSingleton(new ParentWatcherOptions(parent));
            builder.Services.AddHostedService<ParentWatcher>();
        }

        if (environment.WarmTtl is { } warmTtl)
        {
            builder.Services.AddSingleton(new WarmExpiryOptions(warmTtl));
            builder.Services.AddHostedService<WarmExpiry>();
        }

        await using var app = builder.Build();
        var door = app.Services.GetRequiredService<CallerToken>();
        app.Use(door.Admit);
        app.MapGrpcService<WorkerService>();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcService<CodeService>();

        // Build the service (for a class service, its instance) before reporting ready, so the first call
        // finds it warm.
        _ = app.Services.GetRequiredService<ServiceCode>();

        // Serving only between start and shutdown: a draining worker reports NOT_SERVING, so probes and
        // routers stop sending it new calls while its in-flight ones finish.
        var health = app.Services.GetRequiredService<HealthServiceImpl>();
        app.Lifetime.ApplicationStopping.Register(() => health.SetStatus("", HealthCheckResponse.Types.ServingStatus.NotServing));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        // Straight to stdout, past ConsoleTee: the ready line is for the backend that waits for it, not a log line.
        using (var stdout = new StreamWriter(Console.OpenStandardOutput()))
        {
            stdout.WriteLine($"{Protocol.WorkerProtocol.ReadyLine} {environment.SocketPath ?? environment.GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        if (environment.WarmTtl is not null)
        {
            // The caller may stop reading our pipes while we live on: a full pipe must never block a write.
            StandardStreams.DetachFromCaller();
        }

        try
        {
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (environment.SocketPath is { } socket)
            {
                File.Delete(socket);
            }
        }
    }

    private static ServiceRegistration FindService(WorkerEnvironment environment)
    {
        // The generated module initializer of the declaring assembly fills the registry; run it explicitly,
        // since nothing else may have touched that assembly yet in a worker.
        if (environment.AssemblyName is { } assemblyName)
        {
            var assembly = Assembly.Load(new AssemblyName(assemblyName));
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        }

        if (ServiceRegistry.TryGet(environment.ServiceName, out var registration))
        {
            return registration;
        }

        var known = string.Join(", ", ServiceRegistry.All.Select(r => r.Descriptor.Name).Order());
        throw new InvalidOperationException(
            $"This executable has no Hoist service '{environment.ServiceName}' (known: {(known.Length == 0 ? "none" : known)}). " +
            $"Check {WorkerEnvironment.Service} and {WorkerEnvironment.Assembly}.");
    }
}

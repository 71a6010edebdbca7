using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Hoist.Backends.Kubernetes.Controller;
using Hoist.Manifests;

namespace Hoist.Kubernetes.Tests.Controller;

/// <summary>
/// The app's own executable in the controller role, as its pod starts it: it serves the activator's health on
/// HOIST_CONTROLLER_PORT, which the readiness probe asks. Its kubeconfig names a port nothing listens on (no API server,
/// real or fake): the loop's ticks fail and are logged, and the endpoint serves regardless.
/// </summary>
public sealed class ControllerProcessTests
{
    [Fact]
    public async Task ControllerRole_ServesHealth_OnItsPort_WhileTheClusterIsUnreachable()
    {
        var port = UnusedPort();
        var kubeconfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                server: http://127.0.0.1:{UnusedPort()}
              name: unreachable
            contexts:
            - context:
                cluster: unreachable
                user: nobody
              name: unreachable
            current-context: unreachable
            users:
            - name: nobody
              user:
                token: none
            """);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Hoist.TestApp.dll"));
        start.Environment["HOIST_ROLE"] = "controller";
        start.Environment[ControllerManifests.AppNameVariable] = "MyApp";
        start.Environment[ControllerManifests.NamespaceVariable] = "ml";
        start.Environment[ControllerHost.PortVariable] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment.Remove("KUBERNETES_SERVICE_HOST");
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var health = new Health.HealthClient(channel);
            var until = DateTime.UtcNow.AddSeconds(60);
            HealthCheckResponse? answer = null;
            while (answer is null)
            {
                Assert.False(process.HasExited, $"The controller exited with {(process.HasExited ? process.ExitCode : 0)}:\n{output}");
                Assert.True(DateTime.UtcNow < until, $"The controller did not serve health on port {port} within 60 s:\n{output}");
                try
                {
                    answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                    await Task.Delay(200);
                }
            }

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);

            // Its ticks fail (the cluster is unreachable) and are retried with backoff: the loop lives, so liveness holds.
            var liveness = await health.CheckAsync(new HealthCheckRequest { Service = ControllerManifests.LivenessServiceName }, deadline: DateTime.UtcNow.AddSeconds(5));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveness.Status);
            Assert.False(process.HasExited);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            File.Delete(kubeconfig);
        }
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

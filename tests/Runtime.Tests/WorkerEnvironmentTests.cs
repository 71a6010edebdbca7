using Hoist.Hosting;
using Hoist.Configuration;

namespace Hoist.Runtime.Tests;

public sealed class WorkerEnvironmentTests
{
    [Fact]
    public void ALocalWorkerOnAUnixSocket_NeedsNoPort_AndReadsBackItsSocketAndSharedMemory()
    {
        var written = new WorkerEnvironment
        {
            ServiceName = "embed",
            GrpcPort = 0,
            CallToken = "t",
            SocketPath = "/tmp/hoist-1000/42-1.sock",
            SharedMemoryFolder = "/dev/shm/hoist-1000",
        };

        var variables = written.ToVariables();
        var read = WorkerEnvironment.FromEnvironment(name => variables.GetValueOrDefault(name));

        Assert.False(variables.ContainsKey(WorkerEnvironment.Port));
        Assert.Equal(written, read with { ListenAddress = written.ListenAddress });
    }

    [Fact]
    public void AWorkerWithNeitherPortNorSocket_IsRefused_NamingThePort()
    {
        var error = Assert.Throws<InvalidOperationException>(() => WorkerEnvironment.FromEnvironment(name => name switch
        {
            WorkerEnvironment.Service => "embed",
            WorkerEnvironment.Token => "t",
            _ => null,
        }));

        Assert.Contains(WorkerEnvironment.Port, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerEnvironment_RoundTripsThroughVariables()
    {
        var environment = new WorkerEnvironment
        {
            ServiceName = "embed",
            GrpcPort = 5123,
            CallToken = "secret",
            AssemblyName = "App",
            ReplicaName = "embed-3",
            ParentProcessId = 42,
        };

        var variables = environment.ToVariables();
        var back = WorkerEnvironment.FromEnvironment(name => variables.GetValueOrDefault(name));

        Assert.Equal("worker", variables["HOIST_ROLE"]);
        Assert.Equal(environment, back);
    }

    [Fact]
    public void WorkerEnvironment_NamesTheMissingVariable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => WorkerEnvironment.FromEnvironment(name => name == "HOIST_PORT" ? "1" : null));

        Assert.Contains("HOIST_SERVICE", error.Message, StringComparison.Ordinal);
    }
}

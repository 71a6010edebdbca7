using Hoist.Hosting;

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
}

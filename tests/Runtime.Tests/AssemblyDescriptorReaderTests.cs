using Hoist.Manifests;

// This test assembly declares two services the way generated code does, for the reader to find in its metadata;
// the first in the form written before [Env], [Secret], [Setup], [Volume], the placement settings and wire contracts, which still reads.
[assembly: Hoist.HoistServiceDescriptor("""{"name":"embed","kind":"method","declaringType":"App.Embeddings","assemblyName":"App","methods":["Embed"],"compute":{"gpus":1,"cpus":3,"memory":"12Gi","disk":null,"image":"mcr.microsoft.com/dotnet/aspnet:10.0","inactivityTtl":"24h","launchTimeout":60,"freeze":false,"namespace":null},"distribution":null,"autoscale":{"target":8,"window":"60s","metric":"concurrency","targetUtilization":70,"minScale":null,"maxScale":10,"initialScale":1,"scaleToZeroGracePeriod":300}}""")]
[assembly: Hoist.HoistServiceDescriptor("""{"name":"trainer","kind":"class","declaringType":"App.Outer+Trainer","assemblyName":"App","methods":["Train","Evaluate"],"compute":{"gpus":0,"cpus":0.5,"memory":null,"disk":"50Gi","image":"nvcr.io/nvidia/pytorch:23.10-py3","inactivityTtl":null,"launchTimeout":900,"freeze":true,"namespace":"ml","gpuType":null,"sharedMemory":null,"nodeSelector":null,"tolerations":null},"distribution":{"type":"pytorch","workers":4},"autoscale":null,"environment":[{"name":"NCCL_DEBUG","value":"INFO"}],"secrets":[{"name":"wandb","key":null,"variable":null},{"name":"huggingface","key":"token","variable":"HF_TOKEN"}],"setup":["pip install vllm","apt-get install -y ffmpeg"],"volumes":[{"name":"models","path":"/models","size":"100Gi","storageClass":null}],"wireContracts":[{"method":"Train","fingerprint":17686623457743198155,"shape":"Train(config: Config [json]) -\u003E double [raw]\nConfig { Epochs: int }"},{"method":"Evaluate","fingerprint":1,"shape":"Evaluate() -\u003E void"}]}""")]

namespace Hoist.Runtime.Tests;

public sealed class AssemblyDescriptorReaderTests
{
    [Fact]
    public void Read_FindsEveryDescriptorAttribute_InDeclarationOrder()
    {
        var descriptors = AssemblyDescriptorReader.Read(typeof(AssemblyDescriptorReaderTests).Assembly.Location);

        Assert.Equivalent(new[] { ServiceDescriptorJsonTests.Embed, ServiceDescriptorJsonTests.Trainer }, descriptors, strict: true);
        Assert.Equal(["embed", "trainer"], descriptors.Select(d => d.Name));
    }

    [Fact]
    public void Read_AnAssemblyWithoutServices_IsEmpty()
    {
        Assert.Empty(AssemblyDescriptorReader.Read(typeof(ComputeAttribute).Assembly.Location));
    }

    [Fact]
    public void Read_AFileThatIsNotAnAssembly_SaysSo()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a PE file");

            var error = Assert.ThrowsAny<Exception>(() => AssemblyDescriptorReader.Read(path));

            Assert.True(error is InvalidDataException or BadImageFormatException, error.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}

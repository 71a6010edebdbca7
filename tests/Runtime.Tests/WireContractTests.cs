using Hoist.CodeSync;
using Hoist.Protocol;
using Xunit;

namespace Hoist.Runtime.Tests;

/// <summary>Comparing two wire contracts of one method: what differs, in words, and the refusal a worker sends.</summary>
public sealed class WireContractTests
{
    private static readonly WireContract Old = new("Add", 0xF5738253BADFD7CBUL, "Add(p: Pair [json]) -> int [raw]\nPair { Left: int, Right: int } new(Left, Right)");

    [Theory]
    [InlineData("Pair { A: int, Right: int } new(A, Right)", "Pair differs: the caller's has Left: int; the worker's has A: int")]
    [InlineData("Pair { Left: int, Right: int, Carry: int } new(Left, Right, Carry)", "Pair differs: the worker's has Carry: int")]
    [InlineData("Pair { Left: int } new(Left)", "Pair differs: the caller's has Right: int")]
    [InlineData("Pair { Left: long, Right: int } new(Left, Right)", "Pair differs: the caller's has Left: int; the worker's has Left: long")]
    [InlineData("Pair { Right: int, Left: int } new(Right, Left)", "Pair differs: the caller's is Pair { Left: int, Right: int } new(Left, Right), the worker's is Pair { Right: int, Left: int } new(Right, Left)")]
    public void Difference_NamesTheMemberThatDiffers(string workerPair, string expected)
    {
        var worker = "Add(p: Pair [json]) -> int [raw]\n" + workerPair;

        Assert.Equal(expected, WireContract.Difference(Old.Shape, worker, "caller", "worker"));
    }

    [Fact]
    public void Difference_OfAnEnumValue_AndOfTheSignature_AndOfEqualShapes()
    {
        Assert.Equal(
            "Level differs: the caller's has Warning = 1; the worker's has Warning = 2",
            WireContract.Difference("Log(level: Level [raw]) -> void\nenum Level : int { Info = 0, Warning = 1 }", "Log(level: Level [raw]) -> void\nenum Level : int { Info = 0, Warning = 2 }", "caller", "worker"));
        Assert.Equal(
            "the signature differs: the caller's is Add(a: int [raw]) -> int [raw], the worker's is Add(a: long [raw]) -> int [raw]",
            WireContract.Difference("Add(a: int [raw]) -> int [raw]", "Add(a: long [raw]) -> int [raw]", "caller", "worker"));
        Assert.Null(WireContract.Difference(Old.Shape, Old.Shape, "caller", "worker"));
    }

    [Fact]
    public void Difference_SplitsMembersOnlyBetweenThem_NotInsideAGenericType()
    {
        Assert.Equal(
            "Bag differs: the caller's has Counts: Dictionary<string, int>; the worker's has Counts: Dictionary<string, long>",
            WireContract.Difference("F(b: Bag [json]) -> void\nBag { Counts: Dictionary<string, int>, Name: string }", "F(b: Bag [json]) -> void\nBag { Counts: Dictionary<string, long>, Name: string }", "caller", "worker"));
    }

    [Fact]
    public void ContractRefusal_ReadsBackTheWorkersContract_AndGeneration()
    {
        var detail = WorkerProtocol.ContractRefusal("add", 7, "Add", 0x1111UL, Old, generation: 3);

        Assert.True(WorkerProtocol.TryReadContractRefusal(detail, "Add", out var worker, out var generation));
        Assert.Equal((Old, 3), (worker, generation));
        Assert.StartsWith("Service 'add' refused call 7 to 'Add' before reading its arguments", detail, StringComparison.Ordinal);
        Assert.False(WorkerProtocol.TryReadContractRefusal("Service 'add' is stopping.", "Add", out _, out _));
    }

    [Fact]
    public void Mismatch_SaysTheWorkerRunsADifferentBuild_AndWhatToDo()
    {
        var worker = Old with { Fingerprint = 0x3FA713C6716385F3UL, Shape = "Add(p: Pair [json]) -> int [raw]\nPair { A: int, Right: int } new(A, Right)" };

        var started = WireContractMismatchException.Create("add", "add-1", Old, worker, workerGeneration: 0, innerException: null);
        var synced = WireContractMismatchException.Create("add", "add-1", Old with { Shape = "" }, worker, workerGeneration: 2, innerException: null);

        Assert.Equal(
            "Service 'add' (replica add-1) refused the call to 'Add': the worker runs a different build of Add(p: Pair [json]) -> int [raw]. " +
            "Its wire contract is 3fa713c6716385f3, this caller's is f5738253badfd7cb; Pair differs: the caller's has Left: int; the worker's has A: int. " +
            "Nothing ran. Restart the app to pick up the new proxy, or sync or deploy this build to the worker.",
            started.Message);
        Assert.Contains("(synced to it as code generation 2), most likely newer than this caller's", synced.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("differs", synced.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SyncChanges_AreTheMethodsWhoseFingerprintTheBuildChanges()
    {
        var running = new[]
        {
            new MethodContract { Method = "Add", Fingerprint = Old.Fingerprint, Shape = Old.Shape },
            new MethodContract { Method = "Ping", Fingerprint = 1, Shape = "Ping() -> int [raw]" },
            new MethodContract { Method = "Dropped", Fingerprint = 2, Shape = "Dropped() -> void" },
        };
        WireContract[] build =
        [
            new("Add", 0x3FA713C6716385F3UL, "Add(p: Pair [json]) -> int [raw]\nPair { A: int, Right: int } new(A, Right)"),
            new("Ping", 1, "Ping() -> int [raw]"),
            new("Added", 3, "Added() -> void"),
        ];

        var change = Assert.Single(WireContractChanges.Between("add", running, build));

        Assert.Equal(
            "add: warning: this build changes the wire contract of Add(p: Pair [json]) -> int [raw] (f5738253badfd7cb -> 3fa713c6716385f3: " +
            "Pair differs: the running code's has Left: int; the build's has A: int); callers still running the previous build will get WireContractMismatchException for it until they restart.",
            change.Warning);
    }

    [Fact]
    public void Digest_IsTheSameForTheSameContracts_InAnyOrder_AndDiffersWithAnyFingerprint()
    {
        WireContract[] contracts = [Old, new("Ping", 1, "Ping() -> int [raw]")];

        Assert.Equal(WireContract.Digest(contracts), WireContract.Digest(contracts.Reverse()));
        Assert.NotEqual(WireContract.Digest(contracts), WireContract.Digest([Old with { Fingerprint = 2 }, contracts[1]]));
        Assert.Matches("^[0-9a-f]{16}$", WireContract.Digest(contracts));
    }
}

namespace Hoist.TestApp;

/// <summary>Echoes every primitive array type: the payloads that travel through shared memory when large.</summary>
[Compute(Name = "arrays", LaunchTimeout = 60)]
public partial class Arrays
{
    public int ProcessId() => Environment.ProcessId;

    public byte[] Bytes(byte[] values) => values;

    public sbyte[] SBytes(sbyte[] values) => values;

    public short[] Shorts(short[] values) => values;

    public ushort[] UShorts(ushort[] values) => values;

    public int[] Ints(int[] values) => values;

    public uint[] UInts(uint[] values) => values;

    public long[] Longs(long[] values) => values;

    public ulong[] ULongs(ulong[] values) => values;

    public float[] Floats(float[] values) => values;

    public double[] Doubles(double[] values) => values;

    public Half[] Halves(Half[] values) => values;

    public char[] Chars(char[] values) => values;

    public bool[] Bools(bool[] values) => values;

    public decimal[] Decimals(decimal[] values) => values;

    /// <summary>A large result from small arguments.</summary>
    public double[] Ramp(int count) => Enumerable.Range(0, count).Select(i => i * 0.5).ToArray();

    /// <summary>Holds large arguments until cancelled: for what a cancelled, timed-out or killed call leaves behind.</summary>
    public async Task<float[]> HoldAsync(float[] values, string markerPath, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(markerPath, "started", CancellationToken.None);
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return values;
    }
}

namespace Hoist.TestApp;

/// <summary>Echoes every primitive array type: the payloads that travel through shared memory when large.</summary>
[Compute(Name = "arrays", LaunchTimeout = 60)]
public partial class Arrays
{
    private static ReadOnlyMemory<float> s_kept;

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

    /// <summary>A ReadOnlyMemory argument returned as it came: large, a view of the arguments' region, which the answer is written from.</summary>
    public ReadOnlyMemory<float> FloatMemory(ReadOnlyMemory<float> values) => values;

    /// <summary>Whether a ReadOnlyMemory argument is an array of its own ("array") or a view of memory it does not own ("view").</summary>
    public string MemoryKind(ReadOnlyMemory<float> values) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(values, out _) ? "array" : "view";

    /// <summary>A Memory argument, always an array of its own, which the method may write to.</summary>
    public Memory<double> Reversed(Memory<double> values)
    {
        values.Span.Reverse();
        return values;
    }

    /// <summary>Keeps a ReadOnlyMemory argument past its call, against the rule, for what reading it later does.</summary>
    public int Keep(ReadOnlyMemory<float> values)
    {
        s_kept = values;
        return values.Length;
    }

    /// <summary>Reads the memory <see cref="Keep"/> kept: its first element, or the exception reading it throws.</summary>
    public string ReadKept()
    {
        try
        {
            return s_kept.Span[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (ObjectDisposedException ex)
        {
            return ex.GetType().Name;
        }
    }

    /// <summary>Holds large arguments until cancelled: for what a cancelled, timed-out or killed call leaves behind.</summary>
    public async Task<float[]> HoldAsync(float[] values, string markerPath, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(markerPath, "started", CancellationToken.None);
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return values;
    }
}

using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// Activations quantized per row, asymmetrically, to 7 bits: row r is <c>Scales[r] * (q - ZeroPoints[r])</c> with q in
/// [0, 127]. Seven bits, not eight, so that two products of an activation and a weight (at most 2 x 127 x 127 =
/// 32,258) always fit `vpmaddubsw`'s int16: every kernel then computes the same exact int32 sums. The range
/// always includes 0, so zero stays exact (zero padding, ReLU-like rows). Rows are PaddedK bytes apart, the padding zero.
/// </summary>
public sealed class QuantizedRows
{
    public const int Limit = 127;

    public int Rows { get; private set; }
    public int PaddedK { get; private set; }
    public byte[] Values { get; private set; } = [];
    public float[] Scales { get; private set; } = [];
    public int[] ZeroPoints { get; private set; } = [];

    /// <summary>Quantizes rows × k floats (row-major, rows <paramref name="stride"/> apart), reusing this object's buffers; rows split over the workers.</summary>
    public unsafe void Quantize(ReadOnlySpan<float> a, int rows, int k, int stride)
    {
        if (rows > 0 && a.Length < (long)(rows - 1) * stride + k) throw new ArgumentException($"{a.Length} values for {rows} rows of {k} every {stride}");
        int padded = (k + 3) / 4 * 4;
        if (Values.Length < rows * padded) Values = new byte[rows * padded];
        if (Scales.Length < rows)
        {
            Scales = new float[rows];
            ZeroPoints = new int[rows];
        }
        Rows = rows;
        PaddedK = padded;
        const int RowsPerPart = 16;
        fixed (float* source = a)
        {
            var start = (nint)source;
            long length = a.Length;
            WorkerPool.For((rows + RowsPerPart - 1) / RowsPerPart, part =>
            {
                var all = new ReadOnlySpan<float>((float*)start, (int)length);
                for (int r = part * RowsPerPart; r < Math.Min(rows, (part + 1) * RowsPerPart); r++) QuantizeRow(all.Slice(r * stride, k), r);
            });
        }
    }

    /// <summary>One row: its range (0 included), then q = round(v / scale) + zero point, clamped; vector and scalar steps give the same values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void QuantizeRow(ReadOnlySpan<float> row, int r)
    {
        float min = MathF.Min(0, TensorPrimitives.Min(row)), max = MathF.Max(0, TensorPrimitives.Max(row));
        float scale = (max - min) / Limit;
        var q = Values.AsSpan(r * PaddedK, PaddedK);
        q.Clear();
        if (!(scale > 0))
        {
            Scales[r] = 0;
            ZeroPoints[r] = 0;
            return;
        }
        int zero = Math.Clamp((int)MathF.Round(-min / scale), 0, Limit);
        float inverse = 1 / scale;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var factor = Vector256.Create(inverse);
            var offset = Vector256.Create(zero);
            var low = Vector256<int>.Zero;
            var high = Vector256.Create(Limit);
            for (; i + 8 <= row.Length; i += 8)
            {
                var values = Vector256.Min(Vector256.Max(Vector256.ConvertToInt32(Vector256.Round(Vector256.Create(row[i..]) * factor)) + offset, low), high);
                for (int t = 0; t < 8; t++) q[i + t] = (byte)values[t];
            }
        }
        for (; i < row.Length; i++) q[i] = (byte)Math.Clamp((int)MathF.Round(row[i] * inverse) + zero, 0, Limit);
        Scales[r] = scale;
        ZeroPoints[r] = zero;
    }
}

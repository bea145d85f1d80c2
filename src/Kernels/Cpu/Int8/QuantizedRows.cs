using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// Activations quantized per row, asymmetrically, to 7 bits: row r is <c>Scales[r] * (q - ZeroPoints[r])</c> with q in
/// [0, 127]. Seven bits, not eight, so that two products of an activation and a weight (at most 2 x 127 x 127 =
/// 32,258) always fit `vpmaddubsw`'s int16: every kernel then computes the same exact int32 sums. The range
/// always includes 0, so zero stays exact (zero padding, ReLU-like rows). Rows are PaddedK bytes apart, the padding zero.
///
/// Outlier channels (LLM.int8()'s decomposition): trained transformers have a few input channels whose activations
/// are tens of times larger than the rest. One of them sets a row's range, and 127 steps over that range leave the
/// other channels a few steps each. So the columns whose largest |value| exceeds <see cref="OutlierFactor"/> times
/// the mean column's are taken out before quantizing (q = zero point, an exact zero) and kept as float32 in
/// <see cref="Outliers"/>; the product adds their float32 share back. Without such columns nothing changes.
/// </summary>
public sealed class QuantizedRows
{
    public const int Limit = 127;

    public int Rows { get; private set; }
    public int PaddedK { get; private set; }
    public byte[] Values { get; private set; } = [];
    public float[] Scales { get; private set; } = [];
    public int[] ZeroPoints { get; private set; } = [];

    /// <summary>A column is an outlier when its largest |value| is this many times the mean column's.</summary>
    public const float OutlierFactor = 6;

    /// <summary>At most this fraction of the columns (1/32: 24 of 768) is kept in float32, the largest first.</summary>
    public const int OutlierShare = 32;

    /// <summary>The outlier columns, ascending: the first <see cref="OutlierCount"/> entries.</summary>
    public int[] OutlierColumns { get; private set; } = [];
    public int OutlierCount { get; private set; }

    /// <summary>Rows x <see cref="OutlierCount"/>: the outlier columns' values, row by row.</summary>
    public float[] Outliers { get; private set; } = [];

    float[] _columnMaxima = [];
    float[] _inliers = [];

    // Each row's minimum and maximum, found in the same pass over A as the column maxima.
    float[] _rowMinima = [], _rowMaxima = [];

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
        if (_rowMinima.Length < rows)
        {
            _rowMinima = new float[rows];
            _rowMaxima = new float[rows];
        }
        if (_columnMaxima.Length < k) _columnMaxima = new float[k];
        Scan(a, rows, k, stride);
        FindOutliers(k);
        if (Outliers.Length < rows * OutlierCount) Outliers = new float[rows * OutlierCount];
        const int RowsPerPart = 16;
        int parts = (rows + RowsPerPart - 1) / RowsPerPart;
        // With outlier columns, each part copies its row here to take them out: one row's room a part, kept for the next call.
        if (OutlierCount > 0 && _inliers.Length < parts * k) _inliers = new float[parts * k];
        var inlierRows = _inliers;
        fixed (float* source = a)
        {
            var start = (nint)source;
            long length = a.Length;
            WorkerPool.For(parts, part =>
            {
                var all = new ReadOnlySpan<float>((float*)start, (int)length);
                var inliers = OutlierCount == 0 ? default : inlierRows.AsSpan(part * k, k);
                for (int r = part * RowsPerPart; r < Math.Min(rows, (part + 1) * RowsPerPart); r++)
                {
                    var row = all.Slice(r * stride, k);
                    float min = _rowMinima[r], max = _rowMaxima[r];
                    if (!inliers.IsEmpty)
                    {
                        row.CopyTo(inliers);
                        for (int i = 0; i < OutlierCount; i++)
                        {
                            int column = OutlierColumns[i];
                            Outliers[r * OutlierCount + i] = inliers[column];
                            inliers[column] = 0;
                        }
                        row = inliers;
                        (min, max) = (TensorPrimitives.Min(row), TensorPrimitives.Max(row));
                    }
                    QuantizeRow(row, r, min, max);
                }
            });
        }
    }

    /// <summary>
    /// The columns whose largest |value| over the rows exceeds <see cref="OutlierFactor"/> times the mean column's.
    /// The mean, not the median: one vectorized pass instead of a sort per product, and a few outliers among
    /// hundreds of columns move it little (24 columns 30x larger raise it by 1.9x, and stay 16x above it).
    /// </summary>
    void FindOutliers(int k)
    {
        OutlierCount = 0;
        if (Rows == 0 || k < 2 * OutlierShare) return;
        int cap = k / OutlierShare;
        if (OutlierColumns.Length < cap) OutlierColumns = new int[cap];
        var maxima = _columnMaxima.AsSpan(0, k);
        float threshold = OutlierFactor * TensorPrimitives.Sum(maxima) / k;
        if (!(TensorPrimitives.Max(maxima) > threshold)) return;
        int count = 0;
        for (int column = 0; column < k; column++)
            if (maxima[column] > threshold)
            {
                if (count == cap)
                {
                    // More than the cap: keep the largest, replacing the smallest kept so far.
                    int smallest = 0;
                    for (int i = 1; i < count; i++) if (maxima[OutlierColumns[i]] < maxima[OutlierColumns[smallest]]) smallest = i;
                    if (maxima[column] <= maxima[OutlierColumns[smallest]]) continue;
                    OutlierColumns.AsSpan(smallest + 1, count - smallest - 1).CopyTo(OutlierColumns.AsSpan(smallest));
                    count--;
                }
                OutlierColumns[count++] = column;
            }
        OutlierCount = count;
    }

    // Per-worker maxima of the columns, combined after the rows are split (a pass over all of A).
    float[] _partMaxima = [];

    /// <summary>
    /// One pass over A: max |A[., column]| for every column (<see cref="FindOutliers"/>) and each row's minimum and
    /// maximum (its quantization range); the rows split over the workers when A is large. One pass instead of
    /// three (the column maxima, then each row's minimum and its maximum): A is read from the cache once.
    /// </summary>
    unsafe void Scan(ReadOnlySpan<float> a, int rows, int k, int stride)
    {
        if (rows == 0) return;
        int parts = (long)rows * k >= 1 << 16 ? Math.Min(WorkerPool.Width, rows) : 1;
        if (parts > 1 && _partMaxima.Length < parts * k) _partMaxima = new float[parts * k];
        var partMaxima = parts == 1 ? _columnMaxima : _partMaxima;
        fixed (float* source = a)
        {
            var start = (nint)source;
            int length = a.Length;
            WorkerPool.For(parts, part =>
            {
                var all = new ReadOnlySpan<float>((float*)start, length);
                var own = partMaxima.AsSpan(part * k, k);
                int first = (int)((long)rows * part / parts), end = (int)((long)rows * (part + 1) / parts);
                for (int r = first; r < end; r++)
                    (_rowMinima[r], _rowMaxima[r]) = ScanRow(all.Slice(r * stride, k), own, r == first);
            });
        }
        if (parts == 1) return;
        var maxima = _columnMaxima.AsSpan(0, k);
        partMaxima.AsSpan(0, k).CopyTo(maxima);
        for (int part = 1; part < parts; part++) TensorPrimitives.Max(maxima, partMaxima.AsSpan(part * k, k), maxima);
    }

    /// <summary>
    /// A row's minimum and maximum, and max(|value|, maxima) into the column maxima (|value| on a part's first row).
    /// Min and Max propagate NaN and order -0 before +0 as TensorPrimitives does, so the range is the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (float Min, float Max) ScanRow(ReadOnlySpan<float> row, Span<float> maxima, bool first)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && row.Length >= 8)
        {
            ref float x = ref MemoryMarshal.GetReference(row);
            ref float column = ref MemoryMarshal.GetReference(maxima[..row.Length]);
            var low = Vector256.Create(float.PositiveInfinity);
            var high = Vector256.Create(float.NegativeInfinity);
            for (; i + 8 <= row.Length; i += 8)
            {
                var value = Vector256.LoadUnsafe(ref x, (nuint)i);
                var magnitude = Vector256.Abs(value);
                (first ? magnitude : Vector256.Max(Vector256.LoadUnsafe(ref column, (nuint)i), magnitude)).StoreUnsafe(ref column, (nuint)i);
                low = Vector256.Min(low, value);
                high = Vector256.Max(high, value);
            }
            for (int lane = 0; lane < 8; lane++)
            {
                min = MathF.Min(min, low[lane]);
                max = MathF.Max(max, high[lane]);
            }
        }
        for (; i < row.Length; i++)
        {
            float value = row[i];
            maxima[i] = first ? MathF.Abs(value) : MathF.Max(maxima[i], MathF.Abs(value));
            min = MathF.Min(min, value);
            max = MathF.Max(max, value);
        }
        return (min, max);
    }

    /// <summary>One row, given its minimum and maximum: its range (0 included), then q = round(v / scale) + zero point, clamped; vector and scalar steps give the same values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void QuantizeRow(ReadOnlySpan<float> row, int r, float rowMin, float rowMax)
    {
        float min = MathF.Min(0, rowMin), max = MathF.Max(0, rowMax);
        float scale = (max - min) / Limit;
        var q = Values.AsSpan(r * PaddedK, PaddedK);
        if (!(scale > 0))
        {
            q.Clear();
            Scales[r] = 0;
            ZeroPoints[r] = 0;
            return;
        }
        q[row.Length..].Clear(); // the padding; every value before it is written below
        int zero = Math.Clamp((int)MathF.Round(-min / scale), 0, Limit);
        float inverse = 1 / scale;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var factor = Vector256.Create(inverse);
            var offset = Vector256.Create(zero);
            var low = Vector256<int>.Zero;
            var high = Vector256.Create(Limit);
            // 32 values a step, narrowed int32 -> int16 -> byte in order (all in [0, 127], so nothing saturates) and stored at once.
            for (; i + 32 <= row.Length; i += 32)
            {
                var v0 = Vector256.Min(Vector256.Max(Vector256.ConvertToInt32(Vector256.Round(Vector256.Create(row[i..]) * factor)) + offset, low), high);
                var v1 = Vector256.Min(Vector256.Max(Vector256.ConvertToInt32(Vector256.Round(Vector256.Create(row[(i + 8)..]) * factor)) + offset, low), high);
                var v2 = Vector256.Min(Vector256.Max(Vector256.ConvertToInt32(Vector256.Round(Vector256.Create(row[(i + 16)..]) * factor)) + offset, low), high);
                var v3 = Vector256.Min(Vector256.Max(Vector256.ConvertToInt32(Vector256.Round(Vector256.Create(row[(i + 24)..]) * factor)) + offset, low), high);
                Vector256.Narrow(Vector256.Narrow(v0, v1), Vector256.Narrow(v2, v3)).AsByte().CopyTo(q[i..]);
            }
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

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// A weight matrix W (K x N, the canonical (in, out) layout) quantized per output channel, symmetrically:
/// column n is <c>Scales[n] * q[., n]</c> with q in [-127, 127]. Packed once for the int8 kernels into panels of
/// <see cref="PanelWidth"/> columns; within a panel, K runs in groups of 4, and each group holds 4 consecutive
/// k of every column side by side (64 bytes: one 512-bit or two 256-bit loads), the layout `vpmaddubsw` and
/// `vpdpbusd` consume. K is padded to a multiple of 4 and N to whole panels, with zeros.
/// </summary>
public sealed class QuantizedMatrix
{
    public const int PanelWidth = 16;
    public const int GroupBytes = PanelWidth * 4;
    public const sbyte Limit = 127;

    public int K { get; }
    public int N { get; }

    /// <summary>K rounded up to a multiple of 4.</summary>
    public int PaddedK { get; }
    public int PanelCount => (N + PanelWidth - 1) / PanelWidth;

    /// <summary>Bytes from one panel's start to the next's.</summary>
    internal int PanelStride => PaddedK * PanelWidth;

    /// <summary>Per output channel: the dequantization scale.</summary>
    public float[] Scales { get; }

    /// <summary>Per output channel (padded to whole panels): the sum of its quantized weights, for the activations' zero point.</summary>
    internal int[] ColumnSums { get; }

    internal sbyte[] Data { get; }

    internal ref sbyte Panels => ref MemoryMarshal.GetArrayDataReference(Data);

    /// <summary>Quantizes a row-major K x N float matrix: scale = max |w| / 127 per column, q = round(w / scale).</summary>
    public static QuantizedMatrix Quantize(ReadOnlySpan<float> weights, int k, int n)
    {
        if (weights.Length != (long)k * n) throw new ArgumentException($"{weights.Length} weights for a {k} x {n} matrix");
        var scales = new float[n];
        var quantized = new sbyte[(long)k * n];
        QuantizeColumns(weights, k, n, n, scales, quantized, n);
        return new QuantizedMatrix(quantized, scales, k, n);
    }

    /// <summary>
    /// Quantizes `width` columns of a block (k rows, row stride `blockStride`) per column into q (row stride
    /// `stride`) and their scales. The formula is the model files' (Cacophony.Weights.Quantization.ChannelQuantizer),
    /// so quantizing at load and loading a quantized file give the same bytes.
    /// </summary>
    public static void QuantizeColumns(ReadOnlySpan<float> block, int k, int width, int blockStride, Span<float> scales, Span<sbyte> q, int stride)
    {
        scales[..width].Clear();
        for (int row = 0; row < k; row++)
        {
            var values = block.Slice(row * blockStride, width);
            for (int col = 0; col < width; col++) scales[col] = MathF.Max(scales[col], MathF.Abs(values[col]));
        }
        for (int col = 0; col < width; col++) scales[col] /= Limit;
        for (int row = 0; row < k; row++)
            for (int col = 0; col < width; col++)
            {
                float scale = scales[col];
                q[row * stride + col] = scale == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(block[row * blockStride + col] / scale), -Limit, Limit);
            }
    }

    /// <summary>Already quantized weights (row-major K x N, each in [-127, 127]) and their per-column scales: a model file's I8 tensor.</summary>
    public QuantizedMatrix(ReadOnlySpan<sbyte> quantized, ReadOnlySpan<float> scales, int k, int n)
    {
        if (quantized.Length != (long)k * n) throw new ArgumentException($"{quantized.Length} values for a {k} x {n} matrix");
        if (scales.Length != n) throw new ArgumentException($"{scales.Length} scales for {n} columns");
        K = k;
        N = n;
        PaddedK = (k + 3) / 4 * 4;
        Scales = scales.ToArray();
        ColumnSums = new int[PanelCount * PanelWidth];
        Data = GC.AllocateArray<sbyte>(PanelCount * PanelStride, pinned: true);
        for (int row = 0; row < k; row++)
            for (int col = 0; col < n; col++)
            {
                sbyte q = quantized[row * n + col];
                if (q < -Limit) throw new ArgumentException($"weight ({row}, {col}) is {q}, outside [-127, 127]");
                int panel = col / PanelWidth, lane = col % PanelWidth;
                Data[panel * PanelStride + row / 4 * GroupBytes + lane * 4 + row % 4] = q;
                ColumnSums[col] += q;
            }
    }

    /// <summary>Column (row, col) as the kernels see it (for tests of the layout).</summary>
    internal sbyte At(int row, int col) =>
        Unsafe.Add(ref Panels, col / PanelWidth * PanelStride + row / 4 * GroupBytes + col % PanelWidth * 4 + row % 4);
}

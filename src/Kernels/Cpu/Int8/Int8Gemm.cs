using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// C = A W + bias with W quantized per output channel (<see cref="QuantizedMatrix"/>) and A quantized per row on
/// the fly (<see cref="QuantizedRows"/>): the products accumulate exactly in int32, and the epilogue dequantizes,
/// <c>C[r, n] = (sum[r, n] - zeroPoint[r] * columnSum[n]) * (scaleA[r] * scaleW[n]) + bias[n]</c>.
///
/// Tiling: for each panel of 16 output channels, row tiles of A (8 rows on AVX-512, 4 on AVX2, 6 on AVX-VNNI) keep
/// their 16 int32 sums a row in registers while K runs in groups of 4: per group and row, 4 activation bytes are
/// broadcast and multiplied with the panel's 64 weight bytes (`vpmaddubsw` pairs them into int16, `vpmaddwd` with
/// ones into int32, `vpaddd` accumulates; `vpdpbusd` does all three). Threads split the panels. The int32 sums,
/// and so C, are the same bits whichever kernel runs.
/// </summary>
public static class Int8Gemm
{
    /// <param name="activation">
    /// GELU or SiLU over C, applied to each vector of the epilogue before it is stored (the same per-vector code as
    /// the separate pass, so the same bits); after the product, as a pass over C, when outlier columns are added
    /// back (<see cref="QuantizedRows"/>), as they must be added before it.
    /// </param>
    /// <param name="residual">Added to C in the epilogue (a residual connection); it may be C itself (x += W h + b).</param>
    public static void Multiply(ReadOnlySpan<float> a, int m, QuantizedMatrix b, ReadOnlySpan<float> bias, Span<float> c, Int8Kernel? kernel = null,
        Activation activation = Activation.None, ReadOnlySpan<float> residual = default)
    {
        if (a.Length < (long)m * b.K) throw new ArgumentException($"A has {a.Length} values for {m} x {b.K}");
        if (c.Length < (long)m * b.N) throw new ArgumentException($"C has room for {c.Length} values, not {m} x {b.N}");
        var rows = Scratch ??= new QuantizedRows();
        rows.Quantize(a, m, b.K, b.K);
        Multiply(rows, b, bias, c, kernel, activation, residual);
    }

    // The calling thread's activation buffers, reused from call to call (a forward pass makes ~100 products).
    [ThreadStatic]
    static QuantizedRows? Scratch;

    public static unsafe void Multiply(QuantizedRows a, QuantizedMatrix b, ReadOnlySpan<float> bias, Span<float> c, Int8Kernel? kernel = null,
        Activation activation = Activation.None, ReadOnlySpan<float> residual = default)
    {
        if (activation != Activation.None && !residual.IsEmpty) throw new ArgumentException("an activation and a residual together");
        if (!residual.IsEmpty && residual.Length < (long)a.Rows * b.N) throw new ArgumentException($"a residual of {residual.Length} values for {a.Rows} x {b.N}");
        var use = kernel ?? Int8Kernels.Detected;
        if (!Int8Kernels.IsSupported(use)) throw new PlatformNotSupportedException($"the {Int8Kernels.Describe(use)} kernel does not run on this CPU");
        if (a.PaddedK != b.PaddedK) throw new ArgumentException($"activations of {a.PaddedK} bytes a row for weights of {b.PaddedK}");
        if (c.Length < (long)a.Rows * b.N) throw new ArgumentException($"C has room for {c.Length} values, not {a.Rows} x {b.N}");
        int m = a.Rows, tile = RowsPerTile(use), length = c.Length;
        if (!bias.IsEmpty && bias.Length != b.N) throw new ArgumentException($"{bias.Length} biases for {b.N} columns");
        fixed (float* pc = c, pr = residual, pb = bias)
        {
            var output = (nint)pc;
            var added = residual.IsEmpty ? 0 : (nint)pr;
            var offsets = (nint)pb;
            int biasLength = bias.Length;
            // AVX-512 takes panels two at a time (8 rows x 32 channels a tile): each broadcast of 4 activation bytes
            // then feeds two panels, half the activation loads of one panel at a time.
            int step = use == Int8Kernel.Avx512BW ? 2 : 1;
            var fused = a.OutlierCount == 0 ? activation : Activation.None;
            // Threads claim units one after another, so neighbouring units would run at the same time on different
            // threads, and their rows' stores share a cache line wherever C is not 64-byte aligned (a pooled array
            // seldom is). So the claims are spread over as many regions as threads, far apart: a thread's next unit
            // is most often beside its own last one (fc1 with GELU, 2 threads: 7.3-7.6 ms instead of 8.0-8.2).
            int units = (b.PanelCount + step - 1) / step, lanes = Math.Min(units, WorkerPool.Width), perLane = (units + lanes - 1) / lanes;
            WorkerPool.For(lanes * perLane, claim =>
            {
                int unit = claim % lanes * perLane + claim / lanes;
                if (unit >= units) return;
                Span<int> sums = stackalloc int[2 * 8 * QuantizedMatrix.PanelWidth];
                var cSpan = new Span<float>((float*)output, length);
                var biasSpan = new ReadOnlySpan<float>((float*)offsets, biasLength);
                var residualSpan = added == 0 ? default : new ReadOnlySpan<float>((float*)added, length);
                int first = unit * step, count = Math.Min(step, b.PanelCount - first);
                // Full tiles go through an epilogue whose column terms are loaded once here; tails through Dequantize.
                bool pairs = count == 2 && Width(b, first + 1) == QuantizedMatrix.PanelWidth;
                bool panel = tile is 4 or 6 && count == 1 && Width(b, first) == QuantizedMatrix.PanelWidth;
                int channel = first * QuantizedMatrix.PanelWidth;
                var pairEpilogue = pairs ? new PanelPairEpilogue(a, b, channel, biasSpan, cSpan, residualSpan, fused) : default;
                var panelEpilogue = panel ? new PanelEpilogue(a, b, channel, biasSpan, cSpan, residualSpan, fused) : default;
                for (int row = 0; row < m;)
                {
                    int rows = TileRows(m - row, tile);
                    if (pairs && rows == 8)
                    {
                        pairEpilogue.Prefetch(row);
                        Tiles512.TilePair(ref a.Values[row * a.PaddedK], a.PaddedK, ref Unsafe.Add(ref b.Panels, first * b.PanelStride), b.PanelStride, b.PaddedK / 4, sums);
                        pairEpilogue.Store(row, sums);
                    }
                    else if (panel && rows >= 4)
                    {
                        panelEpilogue.Prefetch(row, rows);
                        Sums(use, a, row, rows, b, first, sums);
                        panelEpilogue.Store(row, rows, sums);
                    }
                    else
                        for (int p = first; p < first + count; p++)
                        {
                            Sums(use, a, row, rows, b, p, sums);
                            Dequantize(a, row, rows, b, p, Width(b, p), sums, biasSpan, cSpan, residualSpan, fused);
                        }
                    row += rows;
                }
            });
        }
        if (a.OutlierCount == 0) return;
        AddOutliers(a, b, c);
        if (activation == Activation.Gelu) Activations.Gelu(c[..(a.Rows * b.N)]);
        else if (activation == Activation.SiLU) Activations.SiLU(c[..(a.Rows * b.N)]);
    }

    /// <summary>
    /// C += X_o W_o: the outlier columns' float32 values (<see cref="QuantizedRows.Outliers"/>) times their rows of W,
    /// dequantized (q * scale per output channel). A few columns of a few hundred: about 1% of the int8 product.
    /// </summary>
    static unsafe void AddOutliers(QuantizedRows a, QuantizedMatrix b, Span<float> c)
    {
        int count = a.OutlierCount, n = b.N, m = a.Rows;
        var weights = new float[count * n];
        for (int i = 0; i < count; i++)
        {
            int row = a.OutlierColumns[i];
            for (int col = 0; col < n; col++) weights[i * n + col] = b.At(row, col) * b.Scales[col];
        }
        fixed (float* pc = c)
        {
            var output = (nint)pc;
            int length = c.Length;
            WorkerPool.For(m, r =>
            {
                var rowOut = new Span<float>((float*)output, length).Slice(r * n, n);
                for (int i = 0; i < count; i++) TensorPrimitives.MultiplyAdd(weights.AsSpan(i * n, n), a.Outliers[r * count + i], rowOut, rowOut);
            });
        }
    }

    /// <summary>The exact int32 sums of rows [row, row + rows) against one panel, 16 a row (the tests' view of the kernels).</summary>
    internal static void Sums(Int8Kernel kernel, QuantizedRows a, int row, int rows, QuantizedMatrix b, int panel, Span<int> sums)
    {
        ref byte activations = ref a.Values[row * a.PaddedK];
        ref sbyte weights = ref Unsafe.Add(ref b.Panels, panel * b.PanelStride);
        int groups = b.PaddedK / 4, lda = a.PaddedK;
        switch (kernel)
        {
            case Int8Kernel.Avx512BW when rows == 8: Tiles512.Tile(ref activations, lda, ref weights, groups, sums); break;
            case Int8Kernel.Avx2 when rows == 4: Tiles256.FourRows<Tiles256.Avx2Step>(ref activations, lda, ref weights, groups, sums); break;
            case Int8Kernel.AvxVnni when rows == 4: Tiles256.FourRows<Tiles256.VnniStep>(ref activations, lda, ref weights, groups, sums); break;
            // The product runs AVX2 on four rows (six would need more than its 16 registers with the step's
            // temporaries); six with the AVX2 step are for the tests, which hold the AVX-VNNI tile's shape to the
            // exact sums on machines without AVX-VNNI.
            case Int8Kernel.Avx2 when rows == 6: Tiles256.SixRows<Tiles256.Avx2Step>(ref activations, lda, ref weights, groups, sums); break;
            case Int8Kernel.AvxVnni when rows == 6: Tiles256.SixRows<Tiles256.VnniStep>(ref activations, lda, ref weights, groups, sums); break;
            case Int8Kernel.Portable:
                for (int r = 0; r < rows; r++) Portable(ref Unsafe.Add(ref activations, r * lda), ref weights, groups, sums.Slice(r * 16, 16));
                break;
            default:
                for (int r = 0; r < rows; r++)
                {
                    ref byte rowStart = ref Unsafe.Add(ref activations, r * lda);
                    var rowSums = sums.Slice(r * 16, 16);
                    if (kernel == Int8Kernel.Avx512BW) Tiles512.Row(ref rowStart, ref weights, groups, rowSums);
                    else if (kernel == Int8Kernel.AvxVnni) Tiles256.Row<Tiles256.VnniStep>(ref rowStart, ref weights, groups, rowSums);
                    else Tiles256.Row<Tiles256.Avx2Step>(ref rowStart, ref weights, groups, rowSums);
                }
                break;
        }
    }

    /// <summary>
    /// How many of the <paramref name="left"/> rows the next tile takes. With 6-row tiles, a rest of 2 or 3 rows
    /// would run one row at a time, each waiting on its two sums' latency; two 4-row tiles do those rows better
    /// (8 rows: 4 + 4, not 6 + 1 + 1).
    /// </summary>
    internal static int TileRows(int left, int tile) => tile != 6 ? (left >= tile ? tile : 1)
        : left >= 6 && left - 6 is not (2 or 3) ? 6
        : left >= 4 ? 4 : 1;

    static int RowsPerTile(Int8Kernel kernel) => kernel switch
    {
        Int8Kernel.Avx512BW => 8,
        Int8Kernel.Avx2 => 4,
        Int8Kernel.AvxVnni => 6,
        _ => 1,
    };

    /// <summary>
    /// One panel's sums of rows [row, row + rows) into C, dequantized, with the bias: exact integer correction, one
    /// conversion, one fused multiply-add. The vector and scalar forms do the same IEEE operations, so every kernel
    /// and every tail gives the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dequantize(QuantizedRows a, int row, int rows, QuantizedMatrix b, int panel, int width, ReadOnlySpan<int> sums, ReadOnlySpan<float> bias, Span<float> c,
        ReadOnlySpan<float> residual, Activation activation)
    {
        int first = panel * QuantizedMatrix.PanelWidth, n = b.N;
        var columnSums = b.ColumnSums.AsSpan(first, QuantizedMatrix.PanelWidth);
        var weightScales = b.Scales.AsSpan(first, width);
        if (width == QuantizedMatrix.PanelWidth && Vector512.IsHardwareAccelerated && Isa.Active == InstructionSet.Vector512)
        {
            // A panel's 16 channels are one 512-bit vector: its column terms are loaded once for all the rows.
            var sumsOfColumns = Vector512.Create(columnSums);
            var scalesOfColumns = Vector512.Create(weightScales);
            var offsets = bias.IsEmpty ? Vector512<float>.Zero : Vector512.Create(bias.Slice(first, 16));
            for (int r = 0; r < rows; r++)
            {
                var output = c.Slice((row + r) * n + first, 16);
                var exact = Vector512.Create(sums.Slice(r * 16, 16)) - Vector512.Create(a.ZeroPoints[row + r]) * sumsOfColumns;
                var value = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(exact), Vector512.Create(a.Scales[row + r]) * scalesOfColumns, offsets);
                // Read before C is written: the residual may be C itself.
                if (!residual.IsEmpty) value += Vector512.Create(residual.Slice((row + r) * n + first, 16));
                if (activation != Activation.None) value = Activations.Apply(activation, value);
                value.CopyTo(output);
            }
            return;
        }
        bool vector = width == QuantizedMatrix.PanelWidth && Vector256.IsHardwareAccelerated;
        for (int r = 0; r < rows; r++)
        {
            float scale = a.Scales[row + r];
            int zero = a.ZeroPoints[row + r];
            var output = c.Slice((row + r) * n + first, width);
            var added = residual.IsEmpty ? default : residual.Slice((row + r) * n + first, width);
            var rowSums = sums.Slice(r * 16, 16);
            if (vector)
            {
                for (int j = 0; j < 16; j += 8)
                {
                    var exact = Vector256.Create(rowSums[j..]) - Vector256.Create(zero) * Vector256.Create(columnSums[j..]);
                    var factor = Vector256.Create(scale) * Vector256.Create(weightScales[j..]);
                    var offset = bias.Length == 0 ? Vector256<float>.Zero : Vector256.Create(bias.Slice(first + j, 8));
                    var value = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(exact), factor, offset);
                    if (!added.IsEmpty) value += Vector256.Create(added[j..]);
                    if (activation != Activation.None) value = Activations.Apply(activation, value);
                    value.CopyTo(output[j..]);
                }
                continue;
            }
            for (int j = 0; j < width; j++)
            {
                int exact = rowSums[j] - zero * columnSums[j];
                float value = MathF.FusedMultiplyAdd(exact, scale * weightScales[j], bias.Length == 0 ? 0 : bias[first + j]);
                output[j] = Activations.Apply(activation, added.IsEmpty ? value : value + added[j]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Portable(ref byte a, ref sbyte b, int groups, Span<int> sums)
    {
        sums.Clear();
        for (int g = 0; g < groups; g++)
            for (int j = 0; j < 16; j++)
            {
                int sum = 0;
                for (int t = 0; t < 4; t++) sum += Unsafe.Add(ref a, g * 4 + t) * Unsafe.Add(ref b, g * 64 + j * 4 + t);
                sums[j] += sum;
            }
    }

    static int Width(QuantizedMatrix b, int panel) => Math.Min(QuantizedMatrix.PanelWidth, b.N - panel * QuantizedMatrix.PanelWidth);
}

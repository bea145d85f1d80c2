using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// Multi-head scaled dot-product attention for one sequence, float32. Rows of q, k, v hold all heads
/// side by side (head h at columns h*d .. h*d+d-1, d = width / heads).
///
/// Tiling: per head, K_h^T (d x keys) and V_h (keys x d) are packed once for the GEMM micro-kernel; the
/// queries go through in blocks of <see cref="QueryBlock"/> rows. For a block, S = Q_blk K_h^T is one GEMM,
/// each row is scaled and softmaxed with its maximum subtracted, and O_blk = P V_h is a second GEMM. So
/// only a QueryBlock x keys tile of scores ever exists, and the products run at GEMM speed. (head, block)
/// items are spread over the cores; their GEMMs run single-threaded.
///
/// Allowed keys: all of them, or with <c>causal</c> the keys j &lt;= i + (keys - queries), so that a query
/// block appended after cached keys sees everything before it. Disallowed keys get probability exactly 0,
/// as in the original, where their scores are float.MinValue or -1e10 and exp of those underflows to 0.
/// </summary>
public static class Attention
{
    // A multiple of both tall register tiles (6 rows on AVX2, 8 on AVX-512), so no block ends in a
    // short tile: 64 left a 4-row tile per block (48 x 96 x 1500 ran 6% faster than 64 x 96 x 1500).
    const int QueryBlock = 48;

    public static void Run(ReadOnlySpan<float> q, int queries, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int keys,
        int width, int heads, bool causal, float scale, Span<float> output) =>
        Run(q, width, queries, k, v, width, keys, width, heads, causal, scale, output);

    /// <summary>
    /// The same with row strides: q rows every <paramref name="queryStride"/> floats, k and v rows every
    /// <paramref name="keyValueStride"/> (e.g. 3 x width when q, k and v come out of one fused GEMM side by side).
    /// </summary>
    public static unsafe void Run(ReadOnlySpan<float> q, int queryStride, int queries, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int keyValueStride,
        int keys, int width, int heads, bool causal, float scale, Span<float> output)
    {
        if (width % heads != 0) throw new ArgumentException($"{heads} heads do not divide width {width}");
        if (queries == 0) return;
        if (keys == 0) throw new ArgumentException("attention over zero keys");
        if (q.Length < (queries - 1) * queryStride + width || k.Length < (keys - 1) * keyValueStride + width
            || v.Length < (keys - 1) * keyValueStride + width || output.Length < queries * width)
            throw new ArgumentException("q, k, v or output is shorter than its shape");
        if (output.Overlaps(q) || output.Overlaps(k) || output.Overlaps(v)) throw new ArgumentException("output must not overlap q, k or v");
        int d = width / heads, blocks = (queries + QueryBlock - 1) / QueryBlock;
        var keysT = new PackedMatrix[heads];
        var values = new PackedMatrix[heads];
        bool parallel = (long)queries * keys * width >= 1 << 18 && WorkerPool.Width > 1;

        fixed (float* pq = q, pk = k, pv = v, po = output)
        {
            var (qp, kp, vp, op) = ((nint)pq, (nint)pk, (nint)pv, (nint)po);
            int kLength = k.Length, vLength = v.Length;
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            void Pack(int h)
            {
                keysT[h] = PackedMatrix.Pooled(new ReadOnlySpan<float>((float*)kp + h * d, kLength - h * d), d, keys, rowStride: 1, columnStride: keyValueStride);
                values[h] = PackedMatrix.Pooled(new ReadOnlySpan<float>((float*)vp + h * d, vLength - h * d), keys, d, rowStride: keyValueStride, columnStride: 1);
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            void Block(int item)
            {
                int h = item / blocks, first = item % blocks * QueryBlock, rows = Math.Min(QueryBlock, queries - first);
                // A causal block's last row sees the most keys; the keys after those get probability 0 in every
                // row of the block, so neither product computes them (a 100-token caption: 27% of both products).
                int visible = causal ? Math.Clamp(first + rows + keys - queries, 1, keys) : keys;
                var keysSeen = keysT[h].Leading(d, visible);
                var valuesSeen = values[h].Leading(visible, d);
                // The score tile comes from the shared pool: a 48 x keys tile is over the 85 kB large-object
                // threshold, and allocating one per block churned the LOH into gen-2 GCs. The queries are read
                // in place (rows queryStride apart), and P V is written straight into the head's output columns.
                var scoreBuffer = ArrayPool<float>.Shared.Rent(rows * visible);
                var scores = scoreBuffer.AsSpan(0, rows * visible);
                var qBlock = new ReadOnlySpan<float>((float*)qp + (long)first * queryStride + h * d, (rows - 1) * queryStride + d);
                var outBlock = new Span<float>((float*)op + (long)first * width + h * d, (rows - 1) * width + d);
                Span<float> sums = stackalloc float[QueryBlock];
                Gemm.Multiply(qBlock, queryStride, rows, keysSeen, scores, visible, maxThreads: 1);
                for (int i = 0; i < rows; i++)
                {
                    var row = scores.Slice(i * visible, visible);
                    int allowed = causal ? Math.Min(visible, first + i + keys - queries + 1) : keys;
                    sums[i] = VectorMath.SoftmaxNumerators(row[..allowed], scale);
                    row[allowed..].Clear();
                }
                // O = P V with P unnormalized; each output row is divided by its softmax sum once (d values
                // instead of keys).
                Gemm.Multiply(scores, visible, rows, valuesSeen, outBlock, width, maxThreads: 1);
                for (int i = 0; i < rows; i++)
                {
                    var outRow = outBlock.Slice(i * width, d);
                    TensorPrimitives.Divide(outRow, sums[i], outRow);
                }
                ArrayPool<float>.Shared.Return(scoreBuffer);
            }

            if (parallel)
            {
                WorkerPool.For(heads, Pack);
                WorkerPool.For(heads * blocks, Block);
            }
            else
            {
                for (int h = 0; h < heads; h++) Pack(h);
                for (int item = 0; item < heads * blocks; item++) Block(item);
            }
            for (int h = 0; h < heads; h++)
            {
                keysT[h].Release();
                values[h].Release();
            }
        }
    }
}

using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// Multi-head scaled dot-product attention for one sequence, flash-style: one group of <see cref="Lanes"/>
/// threads per (query, head) streams the keys in chunks of <see cref="Lanes"/>, keeping a running maximum,
/// a running sum and the output accumulator (online softmax), so no score row is ever stored. Per chunk,
/// lane j scores key chunk + j against the query (staged in shared memory), the group reduces the chunk's
/// maximum and sum in shared memory (no warp shuffles: they do not compile on every OpenCL device), and
/// each lane accumulates p_j v_j for its own dimensions (lane, lane + 32, ...; head width up to 128).
/// Rows are q[query * qStride + head * d ...], k/v[key * kvStride + head * d ...] (q, k, v may be slices of
/// one fused q|k|v block), out[query * outStride + head * d ...]. With `causal`, query i sees keys
/// j &lt;= i + keys - queries (a block of new queries after cached keys); other keys get probability 0.
/// </summary>
public static class AttentionKernel
{
    public const int Lanes = 32, MaxHeadWidth = 128;

    public static void Run(ArrayView<float> q, int qStride, ArrayView<float> k, ArrayView<float> v, int kvStride,
        ArrayView<float> output, int outStride, int queries, int keys, int d, int causal, float scale)
    {
        var query = SharedMemory.Allocate<float>(MaxHeadWidth);
        var probabilities = SharedMemory.Allocate<float>(Lanes);
        var partial = SharedMemory.Allocate<float>(Lanes);
        int row = Grid.IdxX, head = Grid.IdxY, lane = Group.IdxX;
        long queryBase = (long)row * qStride + head * d;
        for (int i = lane; i < d; i += Lanes) query[i] = q[queryBase + i];
        Group.Barrier();

        int allowed = causal != 0 ? IntMin(keys, row + keys - queries + 1) : keys;
        float runningMax = float.NegativeInfinity, runningSum = 0, acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
        for (int chunk = 0; chunk < allowed; chunk += Lanes)
        {
            int key = chunk + lane;
            float score = float.NegativeInfinity;
            if (key < allowed)
            {
                long keyBase = (long)key * kvStride + head * d;
                float dot = 0;
                for (int i = 0; i < d; i++) dot += query[i] * k[keyBase + i];
                score = dot * scale;
            }
            float newMax = MathF.Max(runningMax, GroupReduce.Max(partial, lane, score));
            float rescale = MathF.Exp(runningMax - newMax);
            float e = key < allowed ? MathF.Exp(score - newMax) : 0f;
            probabilities[lane] = e;
            runningSum = runningSum * rescale + GroupReduce.Sum(partial, lane, e);
            runningMax = newMax;
            acc0 *= rescale; acc1 *= rescale; acc2 *= rescale; acc3 *= rescale;
            int count = IntMin(Lanes, allowed - chunk);
            for (int j = 0; j < count; j++)
            {
                float p = probabilities[j];
                long valueBase = (long)(chunk + j) * kvStride + head * d;
                if (lane < d) acc0 += p * v[valueBase + lane];
                if (lane + 32 < d) acc1 += p * v[valueBase + lane + 32];
                if (lane + 64 < d) acc2 += p * v[valueBase + lane + 64];
                if (lane + 96 < d) acc3 += p * v[valueBase + lane + 96];
            }
            Group.Barrier();
        }
        long outBase = (long)row * outStride + head * d;
        float inverse = 1f / runningSum;
        if (lane < d) output[outBase + lane] = acc0 * inverse;
        if (lane + 32 < d) output[outBase + lane + 32] = acc1 * inverse;
        if (lane + 64 < d) output[outBase + lane + 64] = acc2 * inverse;
        if (lane + 96 < d) output[outBase + lane + 96] = acc3 * inverse;
    }

    static int IntMin(int a, int b) => a < b ? a : b;

    /// <summary>One group of 32 threads per (query, head).</summary>
    public static KernelConfig Config(int queries, int heads) => new(new Index2D(queries, heads), new Index2D(Lanes, 1));
}
